package dev.gatehouse.workflows.gated;

import java.util.List;
import java.util.Objects;

/** The workload whose call waits for approval, as its verified token named it. {@code email} is "" when the token had none. */
public record Requester(String subject, String email, List<String> groups) {

    public Requester {
        Objects.requireNonNull(subject, "subject");
        email = email == null ? "" : email;
        groups = groups == null ? List.of() : List.copyOf(groups);
    }
}
