package dev.gatehouse.broker.approval;

import dev.gatehouse.workflows.gated.GatedCallResult;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A caller's request held for an approval: which approval, whom it waits for, until when, and its
 * result once the workflow has one. Dropping a hold (the caller left) leaves the approval running.
 *
 * @param replayed the call completed moments ago and {@code result} is its recorded result, not a new approval
 */
public record Hold(String approvalId, List<String> approvers, int required, Instant deadline,
                   CompletableFuture<GatedCallResult> result, boolean replayed) {

    public Hold {
        Objects.requireNonNull(approvalId, "approvalId");
        approvers = List.copyOf(approvers);
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(result, "result");
    }
}
