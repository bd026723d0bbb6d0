package dev.gatehouse.workflows.gated;

import java.util.List;
import java.util.Objects;

/**
 * The workload whose call waits for approval, as its verified token named it: a subject is unique
 * only within its issuer. {@code email} is "" when the token had none; {@code issuer} is "" only in
 * histories of calls gated before it was kept.
 */
public record Requester(String issuer, String subject, String email, List<String> groups) {

    public Requester {
        issuer = issuer == null ? "" : issuer;
        Objects.requireNonNull(subject, "subject");
        email = email == null ? "" : email;
        groups = groups == null ? List.of() : List.copyOf(groups);
    }
}
