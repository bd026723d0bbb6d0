package dev.gatehouse.activities.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * The hashes that chain a session's events. An event's content digest covers every stored field
 * but its place in the chain; its chain hash is {@code SHA-256(prev_hash || seq || content digest)}.
 * The content digest is computed by the thread that records the event; the link is made by the
 * audit writer as it appends ({@link BatchWriter}) and recomputed by the verifiers. The first
 * event's previous hash is 32 zero bytes.
 */
public final class EventHash {

    public static final int LENGTH = 32;
    private static final byte[] GENESIS = new byte[LENGTH];
    private static final byte[] VERSION = "gatehouse-audit-event-v1".getBytes(StandardCharsets.UTF_8);

    private EventHash() {
    }

    public static byte[] genesis() {
        return GENESIS.clone();
    }

    /** Digest of everything the event says, excluding its sequence number and neighbours. */
    public static byte[] content(AuditEvent event) {
        MessageDigest sha = sha256();
        sha.update(VERSION);
        field(sha, event.sessionId());
        field(sha, Long.toString(event.at().getEpochSecond() * 1_000_000L + event.at().getNano() / 1_000));
        field(sha, event.direction().dbName());
        field(sha, event.kind().dbName());
        field(sha, event.method());
        field(sha, event.jsonrpcId());
        field(sha, event.target());
        field(sha, event.outcome());
        field(sha, event.payload() == null ? null : StorableJson.canonical(event.payload()));
        field(sha, Integer.toString(event.size()));
        StringBuilder masked = new StringBuilder();
        for (Map.Entry<String, Integer> entry : event.masked().entrySet()) {
            masked.append(entry.getKey()).append('=').append(entry.getValue()).append(';');
        }
        field(sha, masked.toString());
        field(sha, event.failOpen() ? "fail-open" : "");
        return sha.digest();
    }

    /** The chain hash of the event at {@code seq} following {@code prevHash}. */
    public static byte[] link(byte[] prevHash, long seq, byte[] contentDigest) {
        MessageDigest sha = sha256();
        sha.update(prevHash);
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(seq).array());
        sha.update(contentDigest);
        return sha.digest();
    }

    private static void field(MessageDigest sha, String value) {
        field(sha, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** Length-prefixed, with null distinct from empty, so no two field lists hash alike by shifting bytes. */
    private static void field(MessageDigest sha, byte[] value) {
        if (value == null) {
            sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(-1).array());
            return;
        }
        sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(value.length).array());
        sha.update(value);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
