package dev.gatehouse.activities.audit;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(PostgresExtension.class)
class AuditRetentionTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @Test
    void deletesSessionsIdleLongerThanTheRetentionAndRecordsTheRun(Database db) {
        try (Recordings recordings = new Recordings(db)) {
            for (int i = 0; i < 7; i++) {
                recordings.writeCalls("old-" + i, NOW.minus(Duration.ofDays(40)), 1);
            }
            recordings.writeCalls("recent", NOW.minus(Duration.ofDays(2)), 2);
            // Started long ago but active yesterday: last activity counts, not the start.
            recordings.writeCalls("long-running", NOW.minus(Duration.ofDays(90)), 1);
            recordings.write(Recordings.session("long-running", NOW), List.of(new AuditEvent("long-running",
                    NOW.minus(Duration.ofDays(1)), Direction.BROKER, EventKind.NOTE, null, null, null, null, null, 0, Map.of(), false)));
        }
        AuditRetention retention = new AuditRetention(db.jdbi(), Clock.fixed(NOW, ZoneOffset.UTC), 3);
        RetentionRun run = retention.run(30, "alice");

        assertThat(run.sessionsDeleted()).isEqualTo(7);
        assertThat(run.eventsDeleted()).isEqualTo(21);
        assertThat(run.cutoff()).isEqualTo(NOW.minus(Duration.ofDays(30)));
        assertThat(run.ranBy()).isEqualTo("alice");
        List<String> left = db.jdbi().withHandle(h -> h.createQuery("select id from audit_session order by id").mapTo(String.class).list());
        assertThat(left).containsExactly("long-running", "recent");
        long orphans = db.jdbi().withHandle(h -> h.createQuery("select count(*) from audit_event where session_id like 'old-%'")
                .mapTo(Long.class).one());
        assertThat(orphans).isZero();
        Map<String, Object> recorded = db.jdbi().withHandle(h -> h.createQuery(
                "select ran_by, cutoff, sessions_deleted, events_deleted from audit_retention_run where id = :id")
                .bind("id", run.id()).mapToMap().one());
        assertThat(recorded).containsEntry("ran_by", "alice").containsEntry("sessions_deleted", 7L).containsEntry("events_deleted", 21L);
        assertThat(new ChainVerifier(db.jdbi()).verifyAll()).isEqualTo(new ChainCheck.Intact(2, 10));

        RetentionRun again = retention.run(30, "alice");
        assertThat(again.sessionsDeleted()).isZero();
        assertThat(again.id()).isGreaterThan(run.id());
    }

    @Test
    void refusesARetentionOfLessThanADay(Database db) {
        assertThatThrownBy(() -> new AuditRetention(db.jdbi()).run(0, "alice"))
                .hasMessage("olderThanDays must be at least 1, not 0");
    }
}
