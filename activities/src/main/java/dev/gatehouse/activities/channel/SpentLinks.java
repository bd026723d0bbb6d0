package dev.gatehouse.activities.channel;

import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** E-mailed decision links are single use: the first POST carrying a link spends it. Shared by every replica. */
public final class SpentLinks {

    private final Jdbi jdbi;

    public SpentLinks(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    /** Spends the link; true when this call spent it, false when it was spent before. */
    public boolean spend(String linkId, String approvalId, String approver, String verdict) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        insert into email_link_use (link_id, approval_id, approver, verdict) values (:link, :approval, :approver, :verdict)
                        on conflict do nothing""")
                .bind("link", linkId).bind("approval", approvalId).bind("approver", approver).bind("verdict", verdict)
                .execute()) == 1;
    }

    /**
     * Gives a spent link back, for when its decision could not be delivered (Temporal unreachable). Safe even if
     * the decision arrived after all: the workflow refuses a second decision by the same person.
     */
    public void release(String linkId) {
        jdbi.useHandle(h -> h.createUpdate("delete from email_link_use where link_id = :link").bind("link", linkId).execute());
    }

    /** When the link was spent, if it was. */
    public Optional<Instant> spentAt(String linkId) {
        return jdbi.withHandle(h -> h.createQuery("select used_at from email_link_use where link_id = :link")
                .bind("link", linkId)
                .map((rs, ctx) -> rs.getTimestamp(1).toInstant())
                .findOne());
    }
}
