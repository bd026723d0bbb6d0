package dev.gatehouse.activities.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One event of a recorded session, before the store places it in the session's chain.
 *
 * @param jsonrpcId the JSON-RPC id as JSON text ({@code 1}, {@code "abc"}), or null
 * @param target    the tool name, resource URI or prompt name the event is about, or null
 * @param outcome   for decisions and refusals: {@code allowed}, {@code denied}, {@code refused}, ...; else null
 * @param payload   the masked message or the decision's details as JSON text, already made storable by
 *                  {@link StorableJson}; null for none
 * @param size      bytes of the message as it crossed the broker; 0 for the broker's own events
 * @param masked    what masking replaced, as counts by detector; never the values
 * @param failOpen  the call went on while the audit store was down, and this event was written late
 */
public record AuditEvent(String sessionId, Instant at, Direction direction, EventKind kind, String method, String jsonrpcId,
                         String target, String outcome, String payload, int size, Map<String, Integer> masked,
                         boolean failOpen) {

    public AuditEvent {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(kind, "kind");
        // PostgreSQL keeps microseconds; the hash must cover what is stored, not more.
        at = at.truncatedTo(ChronoUnit.MICROS);
        masked = masked == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(masked));
        if (size < 0) {
            throw new IllegalArgumentException("size cannot be negative");
        }
    }

    public AuditEvent withFailOpen() {
        return new AuditEvent(sessionId, at, direction, kind, method, jsonrpcId, target, outcome, payload, size, masked, true);
    }
}
