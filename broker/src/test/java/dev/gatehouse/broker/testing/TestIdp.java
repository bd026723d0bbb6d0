package dev.gatehouse.broker.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.javalin.Javalin;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * An OIDC identity provider on loopback: discovery and JWKS over real HTTP, RSA keys that can be
 * rotated, and tokens signed with Nimbus, with any claim or header bent for negative tests.
 */
public final class TestIdp implements AutoCloseable {

    private final Javalin app;
    private final AtomicReference<RSAKey> key = new AtomicReference<>(newKey());
    /** Published beside the RSA key, so ES256 tokens have a key to be checked (and refused) against. */
    private final ECKey ecKey = newEcKey();
    private final AtomicInteger jwksFetches = new AtomicInteger();

    private TestIdp() {
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.get("/.well-known/openid-configuration", ctx -> ctx.json(Map.of(
                    "issuer", issuer(), "jwks_uri", issuer() + "/jwks.json")));
            config.routes.get("/jwks.json", ctx -> {
                jwksFetches.incrementAndGet();
                ctx.json(new JWKSet(List.of(key.get().toPublicJWK(), ecKey.toPublicJWK())).toJSONObject());
            });
        });
    }

    public static TestIdp start() {
        TestIdp idp = new TestIdp();
        idp.app.start("127.0.0.1", 0);
        return idp;
    }

    public String issuer() {
        return "http://127.0.0.1:" + app.port();
    }

    public URI url() {
        return URI.create(issuer());
    }

    public RSAKey currentKey() {
        return key.get();
    }

    public ECKey ecKey() {
        return ecKey;
    }

    public int jwksFetches() {
        return jwksFetches.get();
    }

    /** Replaces the signing key: the old one disappears from the JWKS, as after a real rotation. */
    public void rotate() {
        key.set(newKey());
    }

    /** The claims of a valid token for {@code subject} and {@code audience}, to adjust before signing. */
    public JWTClaimsSet.Builder claims(String subject, String audience, String... groups) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(issuer())
                .subject(subject)
                .audience(audience)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))))
                .claim("groups", List.of(groups));
    }

    public String sign(JWTClaimsSet claims) {
        return sign(claims, key.get(), header -> header);
    }

    /** Signs with {@code signingKey}, letting the test bend the header (kid, jwk, jku…). */
    public static String sign(JWTClaimsSet claims, RSAKey signingKey, UnaryOperator<JWSHeader.Builder> header) {
        JWSHeader.Builder builder = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signingKey.getKeyID()).type(JOSEObjectType.JWT);
        SignedJWT jwt = new SignedJWT(header.apply(builder).build(), claims);
        try {
            jwt.sign(new RSASSASigner(signingKey));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    public static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).keyID("k-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ECKey newEcKey() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).keyID("ec-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        app.stop();
    }
}
