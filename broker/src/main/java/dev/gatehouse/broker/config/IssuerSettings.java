package dev.gatehouse.broker.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One trusted token issuer.
 *
 * @param issuer       the exact {@code iss} value; OIDC discovery is at {@code <issuer>/.well-known/openid-configuration}
 * @param audience     a value the token's {@code aud} must contain; defaults to the broker's {@code <publicUrl>/mcp}
 * @param groupsClaim  the claim holding the caller's groups (a dotted path reaches into nested objects)
 * @param staticGroups group → subjects or e-mails, for issuers whose tokens carry no groups
 * @param jwksUri      the JWKS location, when the issuer offers no discovery document
 * @param keyRefreshInterval the least time between two JWKS fetches: a token with an unknown {@code kid}
 *                     triggers a refetch (that is how rotated keys arrive), at most this often, so a flood
 *                     of made-up kids cannot hammer the IdP
 */
public record IssuerSettings(
        HttpUrl issuer,
        String audience,
        String groupsClaim,
        Map<String, List<String>> staticGroups,
        HttpUrl jwksUri,
        java.time.Duration keyRefreshInterval) {

    public IssuerSettings {
        Objects.requireNonNull(issuer, "issuer is required");
        // Keys fetched over plain HTTP could be swapped by anyone on the path; loopback is for tests and dev.
        requireHttps("issuer", issuer);
        if (jwksUri != null) {
            requireHttps("jwksUri", jwksUri);
        }
        groupsClaim = groupsClaim == null ? "groups" : groupsClaim;
        staticGroups = staticGroups == null ? Map.of() : Map.copyOf(staticGroups);
        keyRefreshInterval = keyRefreshInterval == null ? java.time.Duration.ofSeconds(30) : keyRefreshInterval;
        if (keyRefreshInterval.toMillis() < 100) {
            throw new IllegalArgumentException("keyRefreshInterval must be at least 100ms");
        }
    }

    static void requireHttps(String key, HttpUrl url) {
        if (!url.isHttpsOrLoopback()) {
            throw new IllegalArgumentException(key + " must be an https:// URL (plain http is allowed only on loopback)");
        }
    }
}
