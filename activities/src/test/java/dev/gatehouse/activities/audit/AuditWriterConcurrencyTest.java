package dev.gatehouse.activities.audit;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(PostgresExtension.class)
class AuditWriterConcurrencyTest {

    private static final int THREADS = 16;
    private static final int PER_THREAD = 150;

    @Test
    void concurrentAppendsAllCommitOnceEachInTheirThreadsOrder(Database db) throws Exception {
        Instant t0 = Instant.parse("2025-03-01T10:00:00Z");
        List<RecordingSession> sessions = List.of(Recordings.session("shared-a", t0), Recordings.session("shared-b", t0));
        List<CompletableFuture<Void>> committed = java.util.Collections.synchronizedList(new ArrayList<>());
        try (AuditWriter writer = new AuditWriter(db.jdbi(), WriterSettings.defaults())) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int n = 0; n < PER_THREAD; n++) {
                        RecordingSession session = sessions.get((thread + n) % 2);
                        committed.add(writer.append(session, new AuditEvent(session.id(), t0.plusMillis(n), Direction.CLIENT,
                                EventKind.MESSAGE, "tools/call", Integer.toString(n), null, null,
                                StorableJson.of("{\"thread\":" + thread + ",\"n\":" + n + "}"), 20, Map.of(), false),
                                AuditWriter.Durability.FAIL_CLOSED));
                    }
                }));
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        assertThat(committed).hasSize(THREADS * PER_THREAD).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());

        AuditQueries queries = new AuditQueries(db.jdbi());
        Set<String> seen = new HashSet<>();
        Map<Integer, Integer> lastOfThread = new HashMap<>();
        long total = 0;
        for (RecordingSession session : sessions) {
            lastOfThread.clear();
            total += queries.streamEvents(session.id(), e -> {
                var payload = StorableJson.parse(e.payload());
                int thread = payload.get("thread").intValue();
                int n = payload.get("n").intValue();
                assertThat(seen.add(thread + "/" + n)).as("event %s/%s recorded once", thread, n).isTrue();
                assertThat(n).as("thread %s's events in its order", thread).isGreaterThan(lastOfThread.getOrDefault(thread, -1));
                lastOfThread.put(thread, n);
            });
        }
        assertThat(total).isEqualTo(THREADS * PER_THREAD);
        assertThat(new ChainVerifier(db.jdbi()).verifyAll()).isEqualTo(new ChainCheck.Intact(2, THREADS * PER_THREAD));
    }
}
