package dev.gatehouse.broker.api;

import dev.gatehouse.broker.auth.AuthenticationException;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.auth.IssuerUnavailableException;
import dev.gatehouse.broker.auth.TokenVerifier;
import dev.gatehouse.broker.auth.WebSessions;
import dev.gatehouse.broker.config.RoleSettings;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.util.List;
import java.util.Locale;

/**
 * Who may use the JSON API: a bearer token verified like a workload's, or a web UI sign-in (whose
 * changes must carry its CSRF token); their groups (from the IdP, never from the request) name a
 * role in {@code roles}. Admins may do what auditors may. Thread-safe.
 */
public final class ApiAccess {

    public enum Role {
        AUDITOR, ADMIN
    }

    private final TokenVerifier tokens;
    private final WebSessions webSessions;
    private final RoleSettings roles;
    private final String resource;

    /**
     * @param resource the API's resource URI ({@code <publicUrl>/api}); tokens naming it, or their
     *                 issuer's audience for the broker as a whole, are accepted — a token minted for
     *                 one upstream ({@code <publicUrl>/mcp/<name>}) is not
     */
    public ApiAccess(TokenVerifier tokens, WebSessions webSessions, RoleSettings roles, String resource) {
        this.tokens = tokens;
        this.webSessions = webSessions;
        this.roles = roles;
        this.resource = resource;
    }

    /** The caller, if its token is good and its groups give it {@code role}; else an {@link ApiRefusal}. */
    Caller require(Context ctx, Role role) {
        Caller caller = authenticate(ctx);
        List<String> admins = roles.admins();
        List<String> auditors = roles.auditors();
        if (!has(caller, role)) {
            String needed = role == Role.ADMIN
                    ? "the admin role (a group in roles.admins " + admins + ")"
                    : "the auditor role (a group in roles.auditors " + auditors + " or roles.admins " + admins + ")";
            throw new ApiRefusal(ApiRefusal.Reason.FORBIDDEN, "this needs " + needed + "; the token's groups are " + caller.groups());
        }
        return caller;
    }

    /**
     * The person signed in to the web UI. A request that may change something must carry the
     * session's CSRF token: the cookie alone would let any page the person visits act for them.
     */
    WebSessions.SignedIn signedIn(Context ctx) {
        WebSessions.SignedIn signedIn = webSessions.current(ctx).orElseThrow(() -> new ApiRefusal(ApiRefusal.Reason.UNAUTHENTICATED,
                "sign in at /ui/, or send Authorization: Bearer <token> from a trusted issuer"));
        boolean safe = ctx.method().equals(HandlerType.GET) || ctx.method().equals(HandlerType.HEAD);
        if (!safe && !WebSessions.hasCsrfToken(ctx, signedIn)) {
            throw new ApiRefusal(ApiRefusal.Reason.FORBIDDEN, "this request changes something and must carry the sign-in's CSRF token"
                    + " in the " + WebSessions.CSRF_HEADER + " header (the web UI sends it; reload the page if it is missing)");
        }
        return signedIn;
    }

    /** True when the caller's groups give it {@code role}; admins have every role. */
    public boolean has(Caller caller, Role role) {
        return caller.groups().stream().anyMatch(roles.admins()::contains)
                || role == Role.AUDITOR && caller.groups().stream().anyMatch(roles.auditors()::contains);
    }

    /** The caller, if its token or sign-in is good; what it may do is for the endpoint to decide. */
    Caller authenticate(Context ctx) {
        return identify(ctx).caller();
    }

    /** An authenticated caller, and the CSRF token of its sign-in (null for a bearer token, which needs none). */
    record Identified(Caller caller, String csrfToken) {
    }

    Identified identify(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            WebSessions.SignedIn signedIn = signedIn(ctx);
            return new Identified(signedIn.caller(), signedIn.csrfToken());
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            throw new ApiRefusal(ApiRefusal.Reason.UNAUTHENTICATED, "the Authorization header must be 'Bearer <token>', not "
                    + header.split(" ", 2)[0].toLowerCase(Locale.ROOT) + " credentials");
        }
        try {
            return new Identified(tokens.verify(header.substring(7).trim(), resource), null);
        } catch (AuthenticationException e) {
            throw new ApiRefusal(ApiRefusal.Reason.UNAUTHENTICATED, e.getMessage(), e);
        } catch (IssuerUnavailableException e) {
            throw new ApiRefusal(ApiRefusal.Reason.UNAVAILABLE, e.getMessage(), e);
        }
    }
}
