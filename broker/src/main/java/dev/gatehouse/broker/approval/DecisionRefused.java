package dev.gatehouse.broker.approval;

import dev.gatehouse.workflows.gated.DecisionRefusal;

import java.util.Objects;

/** A decision was not accepted: the decider may not decide, or the call is decided already (the message says by whom). */
public final class DecisionRefused extends RuntimeException {

    private final DecisionRefusal reason;

    DecisionRefused(DecisionRefusal reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public DecisionRefusal reason() {
        return reason;
    }

    /** True when the decider may not decide (403), false when the call or this decider's part is settled (409). */
    public boolean isForbidden() {
        return reason == DecisionRefusal.NOT_ELIGIBLE || reason == DecisionRefusal.SELF_APPROVAL;
    }
}
