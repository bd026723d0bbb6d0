package dev.gatehouse.activities.audit;

import dev.gatehouse.activities.database.Database;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Writes sessions through the real {@link AuditWriter}, as the broker does, for tests of the read path. */
final class Recordings implements AutoCloseable {

    private final AuditWriter writer;

    Recordings(Database database) {
        this.writer = new AuditWriter(database.jdbi(), WriterSettings.defaults());
    }

    AuditWriter writer() {
        return writer;
    }

    static RecordingSession session(String id, Instant startedAt) {
        return session(id, "crm", "alice", "alice@example.com", List.of("agents"), startedAt);
    }

    static RecordingSession session(String id, String upstream, String subject, String email, List<String> groups, Instant startedAt) {
        return new RecordingSession(id, upstream, "https://idp.example.com", subject, email, groups, "test-client", "1.0",
                "2025-11-25", startedAt);
    }

    /** A client request, its decision and the upstream's answer: three events per call. */
    static List<AuditEvent> call(String sessionId, Instant at, int id, String tool, String outcome) {
        List<AuditEvent> events = new ArrayList<>();
        events.add(new AuditEvent(sessionId, at, Direction.CLIENT, EventKind.MESSAGE, "tools/call", Integer.toString(id), tool, null,
                StorableJson.of("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                        + "\",\"arguments\":{\"q\":\"customer " + id + "\",\"limit\":10.50}}}"), 120, Map.of(), false));
        events.add(new AuditEvent(sessionId, at.plusMillis(1), Direction.BROKER, EventKind.DECISION, "tools/call", Integer.toString(id),
                tool, outcome, StorableJson.of("{\"rule\":\"reads flow freely\",\"version\":\"abc\"}"), 0, Map.of(), false));
        events.add(new AuditEvent(sessionId, at.plusMillis(2), Direction.UPSTREAM, EventKind.MESSAGE, null, Integer.toString(id), tool,
                null, StorableJson.of("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"[email]\"}]}}"),
                80, Map.of("email", 1), false));
        return events;
    }

    /** Appends the events in order and waits until all are committed. */
    void write(RecordingSession session, List<AuditEvent> events) {
        List<CompletableFuture<Void>> committed = new ArrayList<>();
        for (AuditEvent event : events) {
            committed.add(writer.append(session, event, AuditWriter.Durability.FAIL_CLOSED));
        }
        try {
            CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("events were not committed", e);
        }
    }

    /** A session with {@code calls} calls of {@code tool}, 3 events each. */
    RecordingSession writeCalls(String id, Instant startedAt, int calls) {
        RecordingSession session = session(id, startedAt);
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 1; i <= calls; i++) {
            events.addAll(call(id, startedAt.plusSeconds(i), i, "search_customers", "allowed"));
        }
        write(session, events);
        return session;
    }

    @Override
    public void close() {
        writer.close();
    }
}
