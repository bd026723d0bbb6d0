package dev.gatehouse.activities.approval;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The approval change feed over a real PostgreSQL: inserts and updates are heard, and a lost connection is made good. */
@ExtendWith(PostgresExtension.class)
class ApprovalFeedTest {

    private static final Instant DEADLINE = Instant.now().plus(Duration.ofMinutes(30));
    /** What a subscriber is told when changes may have been missed. */
    private static final String MISSED = "(missed)";

    @Test
    void tellsSubscribersWhenAnApprovalAppearsAndWhenItIsDecided(Database db) throws Exception {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        try (ApprovalFeed feed = ApprovalFeed.start(db::connectOutsidePool)) {
            feed.subscribe(id -> heard.add(Optional.ofNullable(id).orElse(MISSED)));
            awaitListening(db);

            store.claim(TestCalls.call("apr-feed-1", "agent", "42"), DEADLINE, 5);
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("apr-feed-1");

            store.recordOutcome("apr-feed-1", ApprovalRecord.APPROVED, Instant.now(), "approved", List.of("bob@example.com"));
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("apr-feed-1");
        }
    }

    @Test
    void saysChangesMayHaveBeenMissedOnceItsLostConnectionIsBack(Database db) throws Exception {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        try (ApprovalFeed feed = ApprovalFeed.start(db::connectOutsidePool)) {
            feed.subscribe(id -> heard.add(Optional.ofNullable(id).orElse(MISSED)));
            awaitListening(db);

            int killed = db.jdbi().withHandle(h -> h.createQuery(
                    "select count(pg_terminate_backend(pid)) from pg_stat_activity where query ilike 'LISTEN gatehouse_approval%'")
                    .mapTo(Integer.class).one());
            assertThat(killed).isEqualTo(1);

            assertThat(heard.poll(15, TimeUnit.SECONDS)).isEqualTo(MISSED);
            store.claim(TestCalls.call("apr-feed-2", "agent", "43"), DEADLINE, 5);
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("apr-feed-2");
        }
    }

    /** The feed has issued its LISTEN: only then is a change certain to be heard. */
    private static void awaitListening(Database db) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            int listening = db.jdbi().withHandle(h -> h.createQuery(
                    "select count(*) from pg_stat_activity where query ilike 'LISTEN gatehouse_approval%'").mapTo(Integer.class).one());
            if (listening > 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the feed never started listening");
    }
}
