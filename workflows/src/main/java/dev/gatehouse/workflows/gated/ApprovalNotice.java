package dev.gatehouse.workflows.gated;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What approvers are told: which call, whom to ask, and until when.
 *
 * @param step      the notice's key among the call's notices ({@code request}, {@code escalation-2},
 *                  {@code reminder-3}): with the approval id, channel and group it makes each delivery happen
 *                  once however often the activity is retried; "" in workflows started before notices had keys
 * @param approvals how many approvals the call had when the notice was sent
 */
public record ApprovalNotice(GatedCall call, NoticeKind kind, List<String> groups, Instant deadline, String step,
                             int approvals) {

    public ApprovalNotice {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(kind, "kind");
        groups = List.copyOf(groups);
        Objects.requireNonNull(deadline, "deadline");
        step = step == null ? "" : step;
        if (approvals < 0) {
            throw new IllegalArgumentException("approvals cannot be negative");
        }
    }

    /** A notice without a key, as workflows started before keyed notices send them. */
    public ApprovalNotice(GatedCall call, NoticeKind kind, List<String> groups, Instant deadline) {
        this(call, kind, groups, deadline, "", 0);
    }
}
