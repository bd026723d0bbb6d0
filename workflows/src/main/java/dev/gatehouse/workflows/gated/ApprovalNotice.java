package dev.gatehouse.workflows.gated;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** What approvers are told: which call, whom to ask, and until when. */
public record ApprovalNotice(GatedCall call, NoticeKind kind, List<String> groups, Instant deadline) {

    public ApprovalNotice {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(kind, "kind");
        groups = List.copyOf(groups);
        Objects.requireNonNull(deadline, "deadline");
    }
}
