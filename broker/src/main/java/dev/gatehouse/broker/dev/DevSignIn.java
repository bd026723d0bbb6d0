package dev.gatehouse.broker.dev;

import dev.gatehouse.activities.websession.WebSessionStore;
import dev.gatehouse.broker.auth.Pkce;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import dev.gatehouse.broker.config.GatehouseConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dev issuer's side of an authorization-code sign-in with PKCE (RFC 7636): a person picked on
 * its page becomes a single-use code bound to the client, its redirect URI and the S256 challenge;
 * the token endpoint trades the code and the verifier for an ID token. Only the web UI's own client
 * and redirect URI are served, so the page cannot hand codes to another site. Dev mode only; codes
 * live in this process (the dev stack's replicas share its issuer). Thread-safe.
 */
public final class DevSignIn {

    /** The client id the web UI uses with the dev issuer. */
    public static final String CLIENT_ID = "gatehouse-ui";

    private static final Duration CODE_LIFETIME = Duration.ofMinutes(1);

    private final DevIssuer issuer;
    private final String redirectUri;
    private final List<DevUser> users;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();

    /** Someone the sign-in page offers with one click. */
    public record DevUser(String subject, String email, List<String> groups, String description) {

        public DevUser {
            Objects.requireNonNull(subject, "subject");
            email = email == null ? "" : email;
            groups = List.copyOf(groups);
            description = description == null ? "" : description;
        }
    }

    /** What an authorization request asked for, checked. */
    public record Request(String clientId, String redirectUri, String state, String codeChallenge, String nonce) {
    }

    /** A refused authorization or token request, in OAuth's terms ({@code error} code and description). */
    public static final class Refused extends RuntimeException {
        private final String error;

        Refused(String error, String description) {
            super(description);
            this.error = error;
        }

        public String error() {
            return error;
        }
    }

    private record Grant(Request request, String subject, List<String> groups, Optional<String> email, Instant expires) {
    }

    /** @param redirectUri the web UI's callback, {@code <publicUrl>/ui/callback}: the only one served */
    public DevSignIn(DevIssuer issuer, String redirectUri, List<DevUser> users) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.redirectUri = Objects.requireNonNull(redirectUri, "redirectUri");
        this.users = List.copyOf(users);
    }

    /**
     * The people the sign-in page offers for {@code config}: each approver group's members, someone in
     * each auditor and admin group, and someone with no role (to see what they are refused).
     */
    public static List<DevUser> usersFor(GatehouseConfig config) {
        Map<String, DevUser> users = new LinkedHashMap<>();
        new TreeMap<>(config.approvers()).forEach((group, approvers) -> approvers.members().forEach(member -> {
            int at = member.indexOf('@');
            String subject = at > 0 ? member.substring(0, at) : member;
            DevUser known = users.get(subject);
            String description = known == null ? "approver in " + group : known.description() + ", " + group;
            users.put(subject, new DevUser(subject, at > 0 ? member : "", List.of(), description));
        }));
        config.roles().auditors().forEach(group -> users.putIfAbsent("auditor-" + group,
                new DevUser("auditor-" + group, "auditor-" + group + "@example.com", List.of(group), "auditor (group " + group + ")")));
        config.roles().admins().forEach(group -> users.putIfAbsent("admin-" + group,
                new DevUser("admin-" + group, "admin-" + group + "@example.com", List.of(group), "admin (group " + group + ")")));
        users.putIfAbsent("visitor", new DevUser("visitor", "visitor@example.com", List.of(), "no role: sees what is refused"));
        return List.copyOf(users.values());
    }

    public List<DevUser> users() {
        return users;
    }

    public String issuerName() {
        return issuer.issuer();
    }

    /** Checks an authorization request's parameters before the page is shown. */
    public Request check(String responseType, String clientId, String redirect, String state, String challenge,
                         String challengeMethod, String nonce) {
        if (!CLIENT_ID.equals(clientId)) {
            throw new Refused("unauthorized_client", "the dev issuer signs in only client_id " + CLIENT_ID);
        }
        if (!redirectUri.equals(redirect)) {
            throw new Refused("invalid_request", "redirect_uri must be " + redirectUri);
        }
        if (!"code".equals(responseType)) {
            throw new Refused("unsupported_response_type", "response_type must be code");
        }
        if (challenge == null || challenge.isBlank() || !"S256".equals(challengeMethod)) {
            throw new Refused("invalid_request", "PKCE is required: code_challenge with code_challenge_method S256");
        }
        if (state == null || state.isBlank() || nonce == null || nonce.isBlank()) {
            throw new Refused("invalid_request", "state and nonce are required");
        }
        return new Request(clientId, redirect, state, challenge, nonce);
    }

    /** The person picked for {@code request}: a code for the redirect back to the web UI. */
    public String grant(Request request, String subject, List<String> groups, Optional<String> email) {
        if (subject == null || subject.isBlank()) {
            throw new Refused("invalid_request", "pick a user or give a subject");
        }
        codes.values().removeIf(g -> g.expires().isBefore(Instant.now()));
        String code = WebSessionStore.randomToken();
        codes.put(code, new Grant(request, subject.trim(), groups, email, Instant.now().plus(CODE_LIFETIME)));
        return code;
    }

    /** Trades a code (once) and its PKCE verifier for an ID token. */
    public String redeem(String code, String clientId, String redirect, String verifier) {
        Grant grant = code == null ? null : codes.remove(code);
        if (grant == null || grant.expires().isBefore(Instant.now())) {
            throw new Refused("invalid_grant", "the code is unknown, used or expired");
        }
        Request request = grant.request();
        if (!request.clientId().equals(clientId) || !request.redirectUri().equals(redirect)) {
            throw new Refused("invalid_grant", "the code was issued to another client or redirect_uri");
        }
        if (verifier == null || !MessageDigest.isEqual(Pkce.challengeOf(verifier).getBytes(StandardCharsets.US_ASCII),
                request.codeChallenge().getBytes(StandardCharsets.US_ASCII))) {
            throw new Refused("invalid_grant", "code_verifier does not match the code_challenge");
        }
        return issuer.issueIdToken(grant.subject(), grant.groups(), grant.email(), clientId, request.nonce());
    }
}
