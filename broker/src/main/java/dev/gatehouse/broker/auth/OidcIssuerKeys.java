package dev.gatehouse.broker.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An issuer's signing keys, found through OIDC discovery on first use (so the broker starts even
 * while an IdP is briefly down) and then cached by Nimbus: refetched on an unknown {@code kid},
 * rate-limited so a flood of made-up kids cannot hammer the IdP. Thread-safe.
 */
public final class OidcIssuerKeys implements JWKSource<SecurityContext> {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** After a failed discovery, callers get the same answer at once for this long instead of each retrying it. */
    static final Duration DISCOVERY_BACKOFF = Duration.ofSeconds(30);

    private final String issuer;
    private final URI configuredJwksUri;
    private final ReentrantLock discovering = new ReentrantLock();
    private volatile JWKSource<SecurityContext> delegate;
    private volatile KeySourceException lastFailure;
    private volatile long lastFailureNanos;

    private final Duration refreshInterval;

    /**
     * @param jwksUri         the JWKS location, or null to find it through discovery
     * @param refreshInterval the least time between two JWKS fetches (unknown kids trigger one)
     */
    public OidcIssuerKeys(String issuer, URI jwksUri, Duration refreshInterval) {
        this.issuer = issuer;
        this.configuredJwksUri = jwksUri;
        this.refreshInterval = refreshInterval;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        return delegate().get(selector, context);
    }

    private JWKSource<SecurityContext> delegate() throws KeySourceException {
        JWKSource<SecurityContext> d = delegate;
        if (d != null) {
            return d;
        }
        KeySourceException failure = lastFailure;
        if (failure != null && System.nanoTime() - lastFailureNanos < DISCOVERY_BACKOFF.toNanos()) {
            throw failure;
        }
        // A lock rather than synchronized: discovery blocks on the network, and a virtual thread
        // blocked inside synchronized would pin its carrier on JDK 21.
        discovering.lock();
        try {
            if (delegate == null) {
                URI jwks = configuredJwksUri != null ? configuredJwksUri : discoverJwksUri();
                delegate = JWKSourceBuilder.<SecurityContext>create(jwks.toURL())
                        .retrying(true)
                        .rateLimited(refreshInterval.toMillis())
                        .build();
                lastFailure = null;
            }
            return delegate;
        } catch (KeySourceException e) {
            lastFailure = e;
            lastFailureNanos = System.nanoTime();
            throw e;
        } catch (MalformedURLException e) {
            throw new KeySourceException("issuer " + issuer + " has an invalid jwks_uri", e);
        } finally {
            discovering.unlock();
        }
    }

    private URI discoverJwksUri() throws KeySourceException {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        URI discovery = URI.create(base + "/.well-known/openid-configuration");
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new KeySourceException("OIDC discovery at " + discovery + " answered HTTP " + response.statusCode());
            }
            JsonNode document = JSON.readTree(response.body());
            if (!issuer.equals(document.path("issuer").asText())) {
                throw new KeySourceException("OIDC discovery at " + discovery + " names a different issuer");
            }
            String jwks = document.path("jwks_uri").asText("");
            if (jwks.isEmpty()) {
                throw new KeySourceException("OIDC discovery at " + discovery + " has no jwks_uri");
            }
            URI jwksUri = URI.create(jwks);
            // An https issuer must not hand key retrieval to plain HTTP (loopback test issuers use http throughout).
            if ("https".equals(discovery.getScheme()) && !"https".equals(jwksUri.getScheme())) {
                throw new KeySourceException("OIDC discovery at " + discovery + " names a jwks_uri that is not https");
            }
            return jwksUri;
        } catch (IOException e) {
            throw new KeySourceException("OIDC discovery at " + discovery + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeySourceException("interrupted during OIDC discovery for " + issuer, e);
        }
    }
}
