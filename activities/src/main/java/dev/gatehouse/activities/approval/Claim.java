package dev.gatehouse.activities.approval;

import java.util.Objects;

/** What {@link ApprovalStore#claim} found for a gated call. */
public sealed interface Claim {

    /** No identical call was waiting: the call's own approval is now pending, and its workflow must be started. */
    record Claimed(String approvalId) implements Claim {
        public Claimed {
            Objects.requireNonNull(approvalId, "approvalId");
        }
    }

    /** An identical call is waiting already: this one attaches to its approval instead of asking again. */
    record Attached(String approvalId) implements Claim {
        public Attached {
            Objects.requireNonNull(approvalId, "approvalId");
        }
    }

    /** The requester has {@code pending} approvals waiting, at or above the {@code limit}: the call is refused. */
    record TooManyPending(int pending, int limit) implements Claim {
        public TooManyPending {
            if (limit < 1 || pending < limit) {
                throw new IllegalArgumentException("too many pending means pending (" + pending + ") >= limit (" + limit + ") >= 1");
            }
        }
    }
}
