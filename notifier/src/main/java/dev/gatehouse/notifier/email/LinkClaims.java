package dev.gatehouse.notifier.email;

import dev.gatehouse.notifier.DecisionSummary.Verdict;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * What a signed decision link says: one approver's one decision on one approval, until it expires.
 *
 * @param linkId     the link's own random id ({@code jti}): what spending the link records, so it is single use
 * @param approvalId the approval the link decides ({@code aid})
 * @param approver   the address the link was mailed to ({@code sub}); the decision is made in its name
 * @param verdict    what following the link decides ({@code dec})
 * @param expiry     when the link stops working ({@code exp}): the approval's deadline
 */
public record LinkClaims(String linkId, String approvalId, String approver, Verdict verdict, Instant expiry) {

    public LinkClaims {
        requireText(linkId, "linkId");
        requireText(approvalId, "approvalId");
        requireText(approver, "approver");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(expiry, "expiry");
    }

    /** {@code approve} or {@code deny}, as the link's {@code dec} claim and the decision log spell it. */
    public String action() {
        return verdict.name().toLowerCase(Locale.ROOT);
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " cannot be blank");
        }
    }
}
