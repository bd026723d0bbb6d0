package dev.gatehouse.workflows.gated;

import java.time.Instant;
import java.util.Objects;

/** A decision the workflow accepted, with the workflow time it was accepted at. */
public record Decision(Person decider, Verdict verdict, String reason, String channel, Instant at) {

    public Decision {
        Objects.requireNonNull(decider, "decider");
        Objects.requireNonNull(verdict, "verdict");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(at, "at");
    }
}
