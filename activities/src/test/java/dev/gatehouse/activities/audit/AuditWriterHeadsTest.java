package dev.gatehouse.activities.audit;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer links events from the chain heads it committed last and checks, as it moves them,
 * that nobody else did: another replica, retention, or someone editing the record.
 */
@ExtendWith(PostgresExtension.class)
class AuditWriterHeadsTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    @Test
    void aSecondWriterContinuesAChainTheFirstStarted(Database db) throws Exception {
        RecordingSession session = Recordings.session("h-1", T0);
        try (AuditWriter first = writer(db); AuditWriter second = writer(db)) {
            commit(first, session, 0, 3);
            commit(second, session, 3, 2);
            // The first writer's head for h-1 is stale now: its next batch must be linked after the second's.
            commit(first, session, 5, 1);
        }
        assertThat(new ChainVerifier(db.jdbi()).verify("h-1")).isEqualTo(new ChainCheck.Intact(1, 6));
        long count = db.jdbi().withHandle(h -> h.createQuery("select event_count from audit_session where id = 'h-1'")
                .mapTo(Long.class).one());
        assertThat(count).isEqualTo(6L);
    }

    @Test
    void twoWritersAppendingToTheSameSessionsAtOnceLoseNothing(Database db) throws Exception {
        List<RecordingSession> sessions = List.of(Recordings.session("h-a", T0), Recordings.session("h-b", T0));
        List<CompletableFuture<Void>> committed = java.util.Collections.synchronizedList(new ArrayList<>());
        try (AuditWriter first = writer(db); AuditWriter second = writer(db)) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                AuditWriter writer = t % 2 == 0 ? first : second;
                int thread = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; n < 100; n++) {
                        RecordingSession session = sessions.get((thread + n) % 2);
                        committed.add(writer.append(session, event(session.id(), thread * 1000 + n), AuditWriter.Durability.FAIL_CLOSED));
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        assertThat(committed).hasSize(800).allMatch(f -> !f.isCompletedExceptionally());
        assertThat(new ChainVerifier(db.jdbi()).verifyAll()).isEqualTo(new ChainCheck.Intact(2, 800));
    }

    @Test
    void aSessionRemovedByRetentionIsRecordedAgainFromTheStart(Database db) throws Exception {
        RecordingSession session = Recordings.session("h-2", T0);
        try (AuditWriter writer = writer(db)) {
            commit(writer, session, 0, 4);
            db.jdbi().useHandle(h -> h.execute("delete from audit_session where id = 'h-2'"));
            commit(writer, session, 4, 2);
        }
        assertThat(new ChainVerifier(db.jdbi()).verify("h-2")).isEqualTo(new ChainCheck.Intact(1, 2));
    }

    @Test
    void anEditedHeadIsNotPaperedOverByTheNextAppend(Database db) throws Exception {
        RecordingSession session = Recordings.session("h-3", T0);
        try (AuditWriter writer = writer(db)) {
            commit(writer, session, 0, 3);
            db.jdbi().useHandle(h -> h.execute("update audit_session set head_hash = sha256('forged'::bytea) where id = 'h-3'"));
            commit(writer, session, 3, 1);
        }
        // The writer linked the new event to the head it found, not the one it remembered, so the edit still shows.
        assertThat(new ChainVerifier(db.jdbi()).verify("h-3")).extracting("seq").isEqualTo(4L);
        assertThat(new ChainVerifier(db.jdbi()).verify("h-3").intact()).isFalse();
    }

    private static AuditWriter writer(Database db) {
        return new AuditWriter(db.jdbi(), WriterSettings.defaults());
    }

    private static void commit(AuditWriter writer, RecordingSession session, int from, int count) throws Exception {
        List<CompletableFuture<Void>> committed = new ArrayList<>();
        for (int n = from; n < from + count; n++) {
            committed.add(writer.append(session, event(session.id(), n), AuditWriter.Durability.FAIL_CLOSED));
        }
        CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    private static AuditEvent event(String sessionId, int n) {
        return new AuditEvent(sessionId, T0.plusMillis(n), Direction.CLIENT, EventKind.MESSAGE, "tools/call", Integer.toString(n),
                "search_customers", null, StorableJson.of("{\"n\":" + n + "}"), 10, Map.of(), false);
    }
}
