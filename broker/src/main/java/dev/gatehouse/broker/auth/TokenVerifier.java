package dev.gatehouse.broker.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
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
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);

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

    /** A token's caller and how long the cache may vouch for it. */
    private record Verified(Caller caller, Duration ttl) {
    }

    public TokenVerifier(Collection<TrustedIssuer> issuers) {
        this.byIssuer = issuers.stream().collect(Collectors.toUnmodifiableMap(TrustedIssuer::issuer, Verifier::new));
    }

    public Set<String> issuers() {
        return byIssuer.keySet();
    }

    /** Returns the caller the token proves, or throws with a reason the caller can act on. */
    public Caller verify(String token) {
        Verified cached = verified.getIfPresent(token);
        if (cached != null) {
            return cached.caller();
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
        Caller caller = verifier.verify(jwt);
        remember(token, jwt, caller);
        return caller;
    }

    private void remember(String token, SignedJWT jwt, Caller caller) {
        try {
            java.util.Date exp = jwt.getJWTClaimsSet().getExpirationTime();
            Duration untilExpiry = Duration.between(Instant.now(), exp.toInstant());
            Duration ttl = untilExpiry.compareTo(VERIFIED_TOKEN_TTL) < 0 ? untilExpiry : VERIFIED_TOKEN_TTL;
            if (!ttl.isNegative() && !ttl.isZero()) {
                verified.put(token, new Verified(caller, ttl));
            }
        } catch (ParseException e) {
            // Already parsed once; nothing to cache if it somehow cannot be read again.
        }
    }

    private static final class Verifier {
        private final TrustedIssuer trusted;
        private final DefaultJWTProcessor<SecurityContext> processor;

        Verifier(TrustedIssuer trusted) {
            this.trusted = trusted;
            this.processor = new DefaultJWTProcessor<>();
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALLOWED_ALGORITHMS, trusted.keys()));
            DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                    Set.of(trusted.audience()),
                    new JWTClaimsSet.Builder().issuer(trusted.issuer()).build(),
                    Set.of("sub", "exp"),
                    null);
            claims.setMaxClockSkew(MAX_CLOCK_SKEW_SECONDS);
            processor.setJWTClaimsSetVerifier(claims);
        }

        Caller verify(SignedJWT jwt) {
            JWTClaimsSet claims;
            try {
                claims = processor.process(jwt, null);
            } catch (ExpiredJWTException e) {
                throw new AuthenticationException("the token has expired");
            } catch (BadJWTException e) {
                throw new AuthenticationException("the token was rejected: " + e.getMessage());
            } catch (BadJOSEException e) {
                throw new AuthenticationException("the token's signature or algorithm is not accepted: " + e.getMessage());
            } catch (JOSEException e) {
                throw new AuthenticationException("the token could not be checked against " + trusted.issuer() + "'s keys", e);
            }
            Optional<String> email = Optional.ofNullable(stringClaim(claims, "email"));
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
        private static List<String> claimPath(Map<String, Object> claims, String path) {
            Object node = claims;
            for (String part : path.split("\\.")) {
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
