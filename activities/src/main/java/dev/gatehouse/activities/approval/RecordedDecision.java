package dev.gatehouse.activities.approval;

import java.time.Instant;
import java.util.Objects;

/**
 * One approver's decision as stored.
 *
 * @param approver the approver's e-mail when known, else their subject
 * @param channel  {@code web}, {@code api}, {@code slack} or {@code email}
 * @param decision {@code approve} or {@code deny}
 * @param reason   free text, may be empty
 */
public record RecordedDecision(String approver, String channel, Instant decidedAt, String decision, String reason) {

    public RecordedDecision {
        Objects.requireNonNull(approver, "approver");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(decidedAt, "decidedAt");
        if (!"approve".equals(decision) && !"deny".equals(decision)) {
            throw new IllegalArgumentException("decision must be approve or deny, not " + decision);
        }
        reason = reason == null ? "" : reason;
    }
}
