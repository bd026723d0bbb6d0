package dev.gatehouse.broker.auth;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An issuer whose tokens are accepted, with the keys to check them and how to read groups.
 *
 * @param groupsClaim  claim holding groups, a dotted path for nested claims
 * @param staticGroups group → subjects or e-mails, added to whatever the token says
 */
public record TrustedIssuer(
        String issuer,
        String audience,
        JWKSource<SecurityContext> keys,
        String groupsClaim,
        Map<String, List<String>> staticGroups) {

    public TrustedIssuer {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(groupsClaim, "groupsClaim");
        staticGroups = Map.copyOf(staticGroups);
    }
}
