package dev.gatehouse.broker.dev;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.broker.auth.TrustedIssuer;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The development token issuer: a fresh RSA key per process, discovery and JWKS documents, and
 * signed tokens for any subject and groups. Exists only in dev mode. Thread-safe.
 */
public final class DevIssuer {

    public static final Duration TOKEN_LIFETIME = Duration.ofHours(8);

    private final String issuer;
    private final String audience;
    private final RSAKey key;
    private final RSASSASigner signer;

    /** An issuer at {@code <publicBase>/dev} minting tokens for {@code audience}. */
    public DevIssuer(String publicBase, String audience) {
        this.issuer = publicBase + "/dev";
        this.audience = audience;
        try {
            this.key = new RSAKeyGenerator(2048)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256)
                    .keyID("dev-" + UUID.randomUUID())
                    .generate();
            this.signer = new RSASSASigner(key);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot create the dev issuer's signing key", e);
        }
    }

    public String issuer() {
        return issuer;
    }

    public TrustedIssuer trusted() {
        return new TrustedIssuer(issuer, audience, new ImmutableJWKSet<>(new JWKSet(key.toPublicJWK())), "groups", Map.of());
    }

    /** A signed access token for {@code subject}; {@code email} is included when given. */
    public String issue(String subject, List<String> groups, Optional<String> email) {
        return sign(claims(subject, groups, email, audience));
    }

    /** A signed OIDC ID token for a web UI sign-in: for {@code clientId}, carrying the login's {@code nonce}. */
    public String issueIdToken(String subject, List<String> groups, Optional<String> email, String clientId, String nonce) {
        return sign(claims(subject, groups, email, clientId).claim("nonce", nonce));
    }

    private JWTClaimsSet.Builder claims(String subject, List<String> groups, Optional<String> email, String tokenAudience) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("sub is required");
        }
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(subject)
                .audience(tokenAudience)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(TOKEN_LIFETIME)))
                .jwtID(UUID.randomUUID().toString())
                .claim("groups", List.copyOf(groups));
        email.ifPresent(e -> claims.claim("email", e).claim("email_verified", true));
        return claims;
    }

    private String sign(JWTClaimsSet.Builder claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(), claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a dev token", e);
        }
        return jwt.serialize();
    }

    public Map<String, Object> jwks() {
        return new JWKSet(key.toPublicJWK()).toJSONObject();
    }

    public Map<String, Object> discovery() {
        return Map.of(
                "issuer", issuer,
                "jwks_uri", issuer + "/jwks.json",
                "token_endpoint", issuer + "/token",
                "authorization_endpoint", issuer + "/authorize",
                "response_types_supported", List.of("code", "token"),
                "grant_types_supported", List.of("authorization_code"),
                "code_challenge_methods_supported", List.of("S256"),
                "subject_types_supported", List.of("public"),
                "id_token_signing_alg_values_supported", List.of("RS256"));
    }
}
