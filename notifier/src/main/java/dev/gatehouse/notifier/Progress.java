package dev.gatehouse.notifier;

import java.util.Objects;

/**
 * A decision that did not decide the call (an approval short of the number required), for the
 * channels to show beside their announcement.
 *
 * @param approvals how many approvals the call has now, this one included (of {@code call.required()})
 */
public record Progress(CallSummary call, DecisionSummary decision, int approvals) {

    public Progress {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(decision, "decision");
        if (approvals < 0 || approvals > call.required()) {
            throw new IllegalArgumentException("approvals must be between 0 and " + call.required());
        }
    }
}
