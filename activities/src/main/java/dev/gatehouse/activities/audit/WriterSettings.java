package dev.gatehouse.activities.audit;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of the audit writer.
 *
 * @param queueCapacity   events waiting for the writer at most; beyond it appends wait {@code offerTimeout}, then fail
 * @param maxQueuedBytes  payload bytes waiting at most (a few large messages must not exhaust memory)
 * @param maxBatch        events written in one transaction at most
 * @param offerTimeout    how long an append waits for room before {@link AuditBacklogFullException}
 * @param spoolCapacity   events of fail-open upstreams kept in memory while PostgreSQL is down
 * @param probeInterval   how often the writer checks whether PostgreSQL is back
 * @param lanes           writer threads (and connections); sessions are spread over them by id
 */
public record WriterSettings(int queueCapacity, long maxQueuedBytes, int maxBatch, Duration offerTimeout, int spoolCapacity,
                             Duration probeInterval, int lanes) {

    public WriterSettings {
        if (queueCapacity < 1 || maxBatch < 1 || spoolCapacity < 0 || maxQueuedBytes < 1 || lanes < 1) {
            throw new IllegalArgumentException("writer bounds must be positive");
        }
        Objects.requireNonNull(offerTimeout, "offerTimeout");
        Objects.requireNonNull(probeInterval, "probeInterval");
    }

    public static WriterSettings defaults() {
        return new WriterSettings(50_000, 256L << 20, 2_000, Duration.ofMillis(250), 100_000, Duration.ofMillis(500), 4);
    }
}
