package dev.gatehouse.broker.auth;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An authenticated workload or person, as established from a verified token; {@code claims} are
 * all of the token's claims, for policy conditions.
 */
public record Caller(String issuer, String subject, Optional<String> email, List<String> groups, Map<String, Object> claims) {

    public Caller {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(email, "email");
        groups = List.copyOf(groups);
        claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
    }
}
