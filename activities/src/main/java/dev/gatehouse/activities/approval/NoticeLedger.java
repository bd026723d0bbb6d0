package dev.gatehouse.activities.approval;

import org.jdbi.v3.core.Jdbi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What each approval channel did for each approval, in PostgreSQL: the record that makes every
 * channel call idempotent across Temporal's activity retries (a dedupe key per approval, step,
 * channel and target), and the list of announcements the outcome is later shown on. Thread-safe.
 */
public final class NoticeLedger {

    /** Steps whose rows are announcements (they carry a handle to show the outcome on). */
    static final String SETTLE = "settle";
    static final String CONCLUDED = "concluded";

    private final Jdbi jdbi;

    public NoticeLedger(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    /** One announcement as recorded: the group told on a channel, and where the message is. */
    public record Announced(String channel, String group, String handle) {
    }

    /** The handle recorded for a step done before; empty when it was not done. */
    public Optional<String> done(String approvalId, String step, String channel, String target) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select handle from approval_notice
                         where approval_id = :approval and step = :step and channel = :channel and target = :target""")
                .bind("approval", approvalId).bind("step", step).bind("channel", channel).bind("target", target)
                .mapTo(String.class)
                .findOne());
    }

    /** Records a step as done (once: a second record of the same step keeps the first). */
    public void record(String approvalId, String step, String channel, String target, String handle) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into approval_notice (approval_id, step, channel, target, handle)
                        values (:approval, :step, :channel, :target, :handle)
                        on conflict do nothing""")
                .bind("approval", approvalId).bind("step", step).bind("channel", channel).bind("target", target)
                .bind("handle", handle == null ? "" : handle)
                .execute());
    }

    /** Every announcement made for the approval, oldest first, one per channel and handle. */
    public List<Announced> announcements(String approvalId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select channel, target, handle from (
                            select distinct on (channel, handle) channel, target, handle, at from approval_notice
                             where approval_id = :approval
                               and (step = 'request' or step like 'escalation-%' or step like 'reminder-%')
                             order by channel, handle, at) first_of_each
                         order by at, channel""")
                .bind("approval", approvalId)
                .map((rs, ctx) -> new Announced(rs.getString("channel"), rs.getString("target"), rs.getString("handle")))
                .list());
    }

    /** The handles one channel returned for the approval's announcements, oldest first, each once. */
    public List<String> handles(String approvalId, String channel) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select handle from approval_notice
                         where approval_id = :approval and channel = :channel and handle <> ''
                           and (step = 'request' or step like 'escalation-%' or step like 'reminder-%')
                         group by handle order by min(at)""")
                .bind("approval", approvalId).bind("channel", channel)
                .mapTo(String.class)
                .list());
    }

    /**
     * Stores the outcome the channels show, before they are settled. Written before the ledger is read
     * for settling, and read after each late delivery is recorded: whichever of the two comes second
     * sees the other, so no announcement misses the outcome.
     */
    public void storeSettlement(String approvalId, String settlementJson) {
        jdbi.useHandle(h -> h.createUpdate("update audit_approval set settlement = cast(:json as jsonb) where id = :approval")
                .bind("approval", approvalId).bind("json", settlementJson)
                .execute());
    }

    /** The outcome stored by {@link #storeSettlement}, if the approval has been settled. */
    public Optional<String> settlement(String approvalId) {
        return jdbi.withHandle(h -> h.createQuery("select settlement::text from audit_approval where id = :approval")
                .bind("approval", approvalId)
                .mapTo(String.class)
                .findOne()
                .filter(Objects::nonNull));
    }
}
