package dev.gatehouse.activities.channel;

import org.jdbi.v3.core.Jdbi;

import java.sql.Timestamp;
import java.util.List;
import java.util.Objects;

/** The log of decisions offered through Slack and e-mailed links, taken or refused. Thread-safe. */
public final class DecisionAttempts {

    private final Jdbi jdbi;

    public DecisionAttempts(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    public void record(DecisionAttempt attempt) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into decision_attempt (at, channel, approval_id, actor, action, outcome, detail)
                        values (:at, :channel, :approval, :actor, :action, :outcome, :detail)""")
                .bind("at", Timestamp.from(attempt.at()))
                .bind("channel", attempt.channel())
                .bind("approval", attempt.approvalId())
                .bind("actor", attempt.actor())
                .bind("action", attempt.action())
                .bind("outcome", attempt.outcome())
                .bind("detail", attempt.detail())
                .execute());
    }

    /** The attempts made on one channel, oldest first; {@code approvalId} null lists those that named none. */
    public List<DecisionAttempt> list(String channel, String approvalId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select at, channel, approval_id, actor, action, outcome, detail from decision_attempt
                         where channel = :channel and approval_id is not distinct from :approval
                         order by id""")
                .bind("channel", channel)
                .bind("approval", approvalId)
                .map((rs, ctx) -> new DecisionAttempt(rs.getTimestamp("at").toInstant(), rs.getString("channel"),
                        rs.getString("approval_id"), rs.getString("actor"), rs.getString("action"), rs.getString("outcome"),
                        rs.getString("detail")))
                .list());
    }
}
