package dev.gatehouse.workflows.gated;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** After {@code after} (from the request) with no outcome, {@code groups} are notified and may decide too. */
public record EscalationStep(Duration after, List<String> groups) {

    public EscalationStep {
        Objects.requireNonNull(after, "after");
        groups = List.copyOf(groups);
    }
}
