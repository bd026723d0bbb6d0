package dev.gatehouse.bench;

import dev.gatehouse.activities.audit.AuditEvent;
import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.Direction;
import dev.gatehouse.activities.audit.EventKind;
import dev.gatehouse.activities.audit.RecordingSession;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.audit.WriterSettings;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import dev.gatehouse.broker.dev.EmbeddedDatabase;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Audit write throughput with durable commits ({@code synchronous_commit=on}, embedded
 * PostgreSQL): many request threads each record an event and wait for its commit before the next,
 * as the proxy does, so what is measured is events per second <em>acknowledged as committed</em>.
 * At the end the rows are counted against the acknowledgements: zero loss or the run fails.
 *
 * <p>Usage: {@code bin/bench audit [--concurrency 16,64,256] [--duration 10s] [--payload-bytes 400]}.
 */
public final class AuditBenchmark {

    private AuditBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = ProxyBenchmark.options(args);
        int[] levels = Arrays.stream(options.getOrDefault("--concurrency", "16,64,256").split(",")).mapToInt(Integer::parseInt).toArray();
        Duration duration = Duration.ofSeconds(Long.parseLong(options.getOrDefault("--duration", "10s").replace("s", "")));
        int payloadBytes = Integer.parseInt(options.getOrDefault("--payload-bytes", "400"));
        String payload = StorableJson.of("""
                {"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"%s"}],"isError":false}}"""
                .formatted("x".repeat(Math.max(0, payloadBytes - 90))));

        try (EmbeddedDatabase pg = EmbeddedDatabase.start();
             Database database = Database.open(new DatabaseSettings(pg.jdbcUrl(), "postgres", "", 4, Duration.ofSeconds(10)));
             AuditWriter writer = new AuditWriter(database.writerJdbi(), WriterSettings.defaults())) {
            System.out.printf("audit write benchmark: durable commits (synchronous_commit=on), %d-byte payloads, %d s per level%n",
                    payload.length(), duration.toSeconds());
            System.out.printf("%-12s %14s %14s %12s%n", "concurrency", "events/s", "acknowledged", "rows");
            long totalAcknowledged = 0;
            boolean first = true;
            for (int concurrency : levels) {
                // Warm-up at this level, not measured; the first one longer, while the JIT compiles the write path
                // (on two cores its compiler threads would otherwise take CPU from the first measured level).
                run(writer, concurrency, Duration.ofSeconds(first ? 10 : 2), payload, "warm-" + concurrency);
                first = false;
                long acknowledged = run(writer, concurrency, duration, payload, "run-" + concurrency);
                totalAcknowledged += acknowledged;
                long rows = database.jdbi().withHandle(h -> h.createQuery(
                        "select count(*) from audit_event where session_id like :prefix")
                        .bind("prefix", "run-" + concurrency + "-%").mapTo(Long.class).one());
                System.out.printf("%-12d %14.0f %14d %12d%n", concurrency, acknowledged / (double) duration.toSeconds(),
                        acknowledged, rows);
                BenchResults.record("audit.c" + concurrency + ".events_per_s", acknowledged / (double) duration.toSeconds());
                BenchResults.record("audit.c" + concurrency + ".lost", Math.max(0, acknowledged - rows));
                if (rows < acknowledged) {
                    throw new IllegalStateException("lost events: " + acknowledged + " acknowledged, " + rows + " stored");
                }
            }
            System.out.println("zero loss: every acknowledged event is stored (" + totalAcknowledged + " in measured runs)");
        }
    }

    /** Returns the number of events acknowledged as committed within {@code duration}. */
    private static long run(AuditWriter writer, int concurrency, Duration duration, String payload, String prefix)
            throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        LongAdder acknowledged = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            // A handful of sessions per thread, as requests of many sessions interleave in the real broker.
            String sessionPrefix = prefix + "-" + t + "-";
            threads.add(Thread.ofVirtual().start(() -> {
                RecordingSession[] sessions = new RecordingSession[4];
                for (int s = 0; s < sessions.length; s++) {
                    sessions[s] = new RecordingSession(sessionPrefix + s, "crm", "https://idp.example.com", "bench",
                            null, List.of("agents"), "bench", "1", "2025-11-25", Instant.now());
                }
                for (long i = 0; running.get(); i++) {
                    RecordingSession session = sessions[(int) (i % sessions.length)];
                    AuditEvent event = new AuditEvent(session.id(), Instant.now(), Direction.UPSTREAM, EventKind.MESSAGE,
                            "tools/call", "42", "search_customers", null, payload, payload.length(), Map.of(), false);
                    try {
                        writer.append(session, event, AuditWriter.Durability.FAIL_CLOSED).join();
                        if (running.get()) {
                            acknowledged.increment();
                        }
                    } catch (RuntimeException e) {
                        System.err.println("append failed: " + e.getMessage());
                        return;
                    }
                }
            }));
        }
        Thread.sleep(duration.toMillis());
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        return acknowledged.sum();
    }
}
