package dev.gatehouse.broker.auth;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** An authenticated workload or person, as established from a verified token. */
public record Caller(String issuer, String subject, Optional<String> email, List<String> groups) {

    public Caller {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(email, "email");
        groups = List.copyOf(groups);
    }
}
