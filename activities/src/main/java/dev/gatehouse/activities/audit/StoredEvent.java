package dev.gatehouse.activities.audit;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An event row exactly as stored (or as exported): enums and JSON kept as the text the row holds,
 * so that a tampered row can still be read, replayed, exported and reported rather than failing
 * the reader. {@link #toChained()} gives the typed event when the row is one the broker wrote.
 *
 * @param payload JSON text, or null when the column is SQL NULL
 * @param masked  JSON text of the masking counts, or null
 */
public record StoredEvent(String sessionId, long seq, Instant at, String direction, String kind, String method, String jsonrpcId,
                   String target, String outcome, String payload, int size, String masked, boolean failOpen,
                   byte[] prevHash, byte[] hash) {

    public StoredEvent {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(at, "at");
        prevHash = prevHash == null ? null : prevHash.clone();
        hash = hash == null ? null : hash.clone();
    }

    public static StoredEvent of(ChainedEvent chained) {
        AuditEvent e = chained.event();
        return new StoredEvent(e.sessionId(), chained.seq(), e.at(), e.direction().dbName(), e.kind().dbName(), e.method(),
                e.jsonrpcId(), e.target(), e.outcome(), e.payload(), e.size(),
                e.masked().isEmpty() ? null : StorableJson.of(e.masked()), e.failOpen(), chained.prevHash(), chained.hash());
    }

    /**
     * The event the broker would have written to produce this row.
     *
     * @throws IllegalArgumentException when the row holds something the broker never writes
     *                                  (an unknown direction or kind, masking counts that are not whole numbers)
     */
    public AuditEvent toEvent() {
        Direction dir;
        EventKind k;
        try {
            dir = Direction.fromDbName(Objects.requireNonNull(direction, "direction"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("direction '" + direction + "' is not one the broker writes");
        }
        try {
            k = EventKind.fromDbName(Objects.requireNonNull(kind, "kind"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("kind '" + kind + "' is not one the broker writes");
        }
        return new AuditEvent(sessionId, at, dir, k, method, jsonrpcId, target, outcome, payload, size, maskedCounts(), failOpen);
    }

    public ChainedEvent toChained() {
        return new ChainedEvent(seq, toEvent(), prevHash, hash);
    }

    /** The content digest of the row as stored; throws {@link IllegalArgumentException} when it cannot be read. */
    byte[] contentDigest() {
        return EventHash.content(toEvent());
    }

    private Map<String, Integer> maskedCounts() {
        if (masked == null) {
            return Map.of();
        }
        JsonNode node = StorableJson.parse(masked);
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("masked is not an object of counts");
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().canConvertToInt() || !field.getValue().isIntegralNumber()) {
                throw new IllegalArgumentException("masked." + field.getKey() + " is not a whole number");
            }
            counts.put(field.getKey(), field.getValue().intValue());
        }
        return counts;
    }

    @Override
    public byte[] prevHash() {
        return prevHash == null ? null : prevHash.clone();
    }

    @Override
    public byte[] hash() {
        return hash == null ? null : hash.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredEvent other && seq == other.seq && size == other.size && failOpen == other.failOpen
                && sessionId.equals(other.sessionId) && at.equals(other.at) && Objects.equals(direction, other.direction)
                && Objects.equals(kind, other.kind) && Objects.equals(method, other.method)
                && Objects.equals(jsonrpcId, other.jsonrpcId) && Objects.equals(target, other.target)
                && Objects.equals(outcome, other.outcome) && Objects.equals(payload, other.payload)
                && Objects.equals(masked, other.masked) && Arrays.equals(prevHash, other.prevHash) && Arrays.equals(hash, other.hash);
    }

    @Override
    public String toString() {
        return "StoredEvent[" + sessionId + " #" + seq + " " + at + " " + direction + " " + kind + " " + method + " id=" + jsonrpcId
                + " target=" + target + " outcome=" + outcome + " size=" + size + " failOpen=" + failOpen + " payload=" + payload
                + " masked=" + masked + " prev=" + ChainWalk.hex(prevHash) + " hash=" + ChainWalk.hex(hash) + "]";
    }

    @Override
    public int hashCode() {
        return Objects.hash(sessionId, seq, Arrays.hashCode(hash));
    }
}
