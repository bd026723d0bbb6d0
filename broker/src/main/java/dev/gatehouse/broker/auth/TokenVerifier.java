package dev.gatehouse.broker.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks bearer JWTs against the trusted issuers: asymmetric signatures only, exact issuer,
 * audience, expiry with bounded skew, required subject. Thread-safe.
 */
public final class TokenVerifier {

    /** Symmetric algorithms are never accepted: a shared secret would let anyone who checks tokens mint them. */
    private static final Set<JWSAlgorithm> ALLOWED_ALGORITHMS = Set.of(
            JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    private static final int MAX_CLOCK_SKEW_SECONDS = 60;

    /**
     * How long a verified token is trusted without checking its signature again. A signature check
     * costs far more than the rest of a proxied call; a key the IdP withdraws stops being accepted
     * within this bound, and a token never outlives its own {@code exp}.
     */
    static final Duration VERIFIED_TOKEN_TTL = Duration.ofMinutes(5);

    private final Map<String, Verifier> byIssuer;
    private final Cache<String, Verified> verified = Caffeine.newBuilder()
            .maximumSize(50_000)
            .expireAfter(Expiry.creating((String token, Verified v) -> v.ttl()))
            .build();

    /** A token's caller, its audiences and how long the cache may vouch for it. */
    private record Verified(Caller caller, String issuerAudience, List<String> audiences, Duration ttl) {
    }

    /**
     * @param resourceAudiences the per-upstream resource URIs ({@code <publicUrl>/mcp/<name>}) a token may
     *                          name instead of the issuer's audience, as RFC 8707 clients request them
     */
    public TokenVerifier(Collection<TrustedIssuer> issuers, Set<String> resourceAudiences) {
        this.byIssuer = issuers.stream().collect(Collectors.toUnmodifiableMap(TrustedIssuer::issuer,
                trusted -> new Verifier(trusted, resourceAudiences)));
    }

    public Set<String> issuers() {
        return byIssuer.keySet();
    }

    /**
     * Returns the caller the token proves for {@code resource}, or throws with a reason the caller can
     * act on. The token's audience must be its issuer's audience for the broker, or this very resource:
     * a token minted for one upstream is not accepted on another.
     *
     * @throws AuthenticationException    when the token is missing something or wrong
     * @throws IssuerUnavailableException when the issuer's keys cannot be had right now
     */
    public Caller verify(String token, String resource) {
        Verified verified = verified(token);
        if (!verified.audiences().contains(verified.issuerAudience()) && !verified.audiences().contains(resource)) {
            throw new AuthenticationException("the token's audience " + verified.audiences() + " names neither "
                    + verified.issuerAudience() + " nor " + resource);
        }
        return verified.caller();
    }

    /**
     * The person an OIDC ID token names, from a web UI sign-in: signed by {@code issuer}'s keys, for
     * {@code clientId}, carrying the {@code nonce} the login sent. Groups and e-mail are read as for
     * that issuer's access tokens.
     *
     * @throws AuthenticationException    when the token is wrong in any way
     * @throws IssuerUnavailableException when the issuer's keys cannot be had right now
     */
    public Caller verifyIdToken(String idToken, String issuer, String clientId, String nonce) {
        Verifier verifier = byIssuer.get(issuer);
        if (verifier == null) {
            throw new AuthenticationException("tokens from issuer " + issuer + " are not trusted here");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(idToken);
        } catch (ParseException e) {
            throw new AuthenticationException("the ID token is not a signed JWT");
        }
        JWTClaimsSet claims = verifier.process(
                Verifier.processor(verifier.trusted, Set.of(clientId), Set.of("sub", "exp", "iat", "nonce"), null), jwt);
        // OIDC Core 3.1.3.7: with several audiences, the party the token was issued to must be this client.
        Object azp = claims.getClaim("azp");
        if (claims.getAudience().size() > 1 && !clientId.equals(azp)) {
            throw new AuthenticationException("the ID token names several audiences but azp is not " + clientId);
        }
        if (azp != null && !clientId.equals(azp)) {
            throw new AuthenticationException("the ID token was issued to " + azp + ", not to " + clientId);
        }
        Object claimed = claims.getClaim("nonce");
        if (!(claimed instanceof String n) || !java.security.MessageDigest.isEqual(
                n.getBytes(java.nio.charset.StandardCharsets.UTF_8), nonce.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
            throw new AuthenticationException("the ID token's nonce is not the one this sign-in sent");
        }
        return verifier.callerOf(claims);
    }

    private Verified verified(String token) {
        Verified cached = verified.getIfPresent(token);
        if (cached != null) {
            return cached;
        }
        SignedJWT jwt;
        String issuer;
        try {
            jwt = SignedJWT.parse(token);
            issuer = jwt.getJWTClaimsSet().getIssuer();
        } catch (ParseException e) {
            throw new AuthenticationException("the bearer token is not a signed JWT");
        }
        if (issuer == null) {
            throw new AuthenticationException("the token has no iss claim");
        }
        Verifier verifier = byIssuer.get(issuer);
        if (verifier == null) {
            throw new AuthenticationException("tokens from issuer " + issuer + " are not trusted here");
        }
        JWTClaimsSet claims = verifier.process(jwt);
        Verified result = new Verified(verifier.callerOf(claims), verifier.trusted.audience(),
                claims.getAudience() == null ? List.of() : List.copyOf(claims.getAudience()), ttlOf(claims));
        if (!result.ttl().isNegative() && !result.ttl().isZero()) {
            verified.put(token, result);
        }
        return result;
    }

    private static Duration ttlOf(JWTClaimsSet claims) {
        Duration untilExpiry = Duration.between(Instant.now(), claims.getExpirationTime().toInstant());
        return untilExpiry.compareTo(VERIFIED_TOKEN_TTL) < 0 ? untilExpiry : VERIFIED_TOKEN_TTL;
    }

    private static final class Verifier {
        private final TrustedIssuer trusted;
        private final DefaultJWTProcessor<SecurityContext> processor;

        Verifier(TrustedIssuer trusted, Set<String> resourceAudiences) {
            this.trusted = trusted;
            Set<String> audiences = new java.util.HashSet<>(resourceAudiences);
            audiences.add(trusted.audience());
            // RFC 9068 access tokens say typ "at+jwt"; plain JWTs say "JWT" or nothing.
            this.processor = processor(trusted, audiences, Set.of("sub", "exp"), new JOSEObjectType("at+jwt"));
        }

        /** What the signature, issuer, audience and dates of one kind of token are checked with. */
        static DefaultJWTProcessor<SecurityContext> processor(TrustedIssuer trusted, Set<String> audiences,
                                                              Set<String> requiredClaims, JOSEObjectType alsoAcceptedType) {
            DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALLOWED_ALGORITHMS, trusted.keys()));
            processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, alsoAcceptedType, null));
            DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                    audiences,
                    new JWTClaimsSet.Builder().issuer(trusted.issuer()).build(),
                    requiredClaims,
                    null) {
                @Override
                public void verify(JWTClaimsSet set, SecurityContext context) throws BadJWTException {
                    super.verify(set, context);
                    java.util.Date issued = set.getIssueTime();
                    if (issued != null && issued.toInstant().isAfter(Instant.now().plusSeconds(MAX_CLOCK_SKEW_SECONDS))) {
                        throw new BadJWTException("JWT issued in the future (iat)");
                    }
                    if (!(set.getClaim("sub") instanceof String sub) || sub.isBlank()) {
                        throw new BadJWTException("JWT sub must be a non-empty string");
                    }
                }
            };
            claims.setMaxClockSkew(MAX_CLOCK_SKEW_SECONDS);
            processor.setJWTClaimsSetVerifier(claims);
            return processor;
        }

        JWTClaimsSet process(SignedJWT jwt) {
            return process(processor, jwt);
        }

        JWTClaimsSet process(DefaultJWTProcessor<SecurityContext> processor, SignedJWT jwt) {
            try {
                return processor.process(jwt, null);
            } catch (ExpiredJWTException e) {
                throw new AuthenticationException("the token has expired");
            } catch (BadJWTException e) {
                throw new AuthenticationException("the token was rejected: " + e.getMessage());
            } catch (BadJOSEException e) {
                throw new AuthenticationException("the token's signature or algorithm is not accepted: " + e.getMessage());
            } catch (RateLimitReachedException e) {
                // An unknown kid asked for a refetch too soon after the last one: the key is not known now.
                throw new AuthenticationException("the token's signing key (kid " + jwt.getHeader().getKeyID()
                        + ") is not among " + trusted.issuer() + "'s keys");
            } catch (KeySourceException e) {
                // The IdP is down, not the token bad: a 401 would make clients throw good tokens away.
                throw new IssuerUnavailableException("the signing keys of " + trusted.issuer()
                        + " cannot be fetched right now; try again shortly", e);
            } catch (JOSEException e) {
                throw new AuthenticationException("the token could not be checked against " + trusted.issuer() + "'s keys", e);
            }
        }

        Caller callerOf(JWTClaimsSet claims) {
            // An e-mail counts only when the IdP vouches for it; otherwise anyone who may edit their own
            // profile could claim an approver's or admin's address.
            Optional<String> email = Optional.ofNullable(stringClaim(claims, "email"))
                    .filter(e -> Boolean.TRUE.equals(claims.getClaim("email_verified")));
            return new Caller(trusted.issuer(), claims.getSubject(), email, groupsOf(claims, email), claims.getClaims());
        }

        private List<String> groupsOf(JWTClaimsSet claims, Optional<String> email) {
            Set<String> groups = new LinkedHashSet<>(claimPath(claims.getClaims(), trusted.groupsClaim()));
            for (Map.Entry<String, List<String>> entry : trusted.staticGroups().entrySet()) {
                List<String> members = entry.getValue();
                if (members.contains(claims.getSubject()) || email.filter(members::contains).isPresent()) {
                    groups.add(entry.getKey());
                }
            }
            return new ArrayList<>(groups);
        }

        private static String stringClaim(JWTClaimsSet claims, String name) {
            Object value = claims.getClaim(name);
            return value instanceof String s ? s : null;
        }

        /** Reads a string or string array at a dotted path such as {@code realm_access.roles}. */
        /** The claim named {@code path} itself (namespaced names contain dots), else the nested path. */
        private static List<String> claimPath(Map<String, Object> claims, String path) {
            Object node = claims.containsKey(path) ? Map.of(path, claims.get(path)) : claims;
            for (String part : claims.containsKey(path) ? new String[] {path} : path.split("\\.")) {
                if (!(node instanceof Map<?, ?> map)) {
                    return List.of();
                }
                node = map.get(part);
            }
            if (node instanceof String s) {
                return List.of(s);
            }
            if (node instanceof Collection<?> values) {
                return values.stream().filter(String.class::isInstance).map(String.class::cast).toList();
            }
            return List.of();
        }
    }
}
