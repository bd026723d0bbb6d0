package dev.gatehouse.activities.audit;

/** An event as stored: its place in the session's chain and the hashes that link it there. */
public record ChainedEvent(long seq, AuditEvent event, byte[] prevHash, byte[] hash) {
}
