package dev.gatehouse.activities.channel;

import org.jdbi.v3.core.Jdbi;

import java.time.Duration;
import java.util.Objects;

/**
 * Refuses a Slack request seen before. Slack signs each request with its timestamp, and a timestamp is
 * accepted for five minutes: within them, a captured request could be sent again, so each signature is
 * accepted once. Shared by every replica; entries older than the window are pruned as new ones arrive.
 */
public final class SlackReplayGuard {

    /** Longer than the timestamp window, so a signature cannot be forgotten while it could still be accepted. */
    static final Duration KEEP = Duration.ofMinutes(10);

    private final Jdbi jdbi;

    public SlackReplayGuard(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    /** True the first time {@code signature} is seen, false for a replay. */
    public boolean firstSighting(String signature) {
        return jdbi.inTransaction(h -> {
            h.createUpdate("delete from slack_request_seen where seen_at < now() - cast(:keep as interval)")
                    .bind("keep", KEEP.toSeconds() + " seconds")
                    .execute();
            return h.createUpdate("insert into slack_request_seen (signature) values (:signature) on conflict do nothing")
                    .bind("signature", signature)
                    .execute() == 1;
        });
    }
}
