package dev.gatehouse.broker.recording;

import dev.gatehouse.activities.audit.AuditEvent;
import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.Direction;
import dev.gatehouse.activities.audit.EventKind;
import dev.gatehouse.activities.audit.RecordingSession;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.masking.MaskingProfile;
import dev.gatehouse.activities.masking.MaskingProfiles;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.metrics.BrokerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Records what crosses the broker into the audit store, masked. One per broker; each HTTP exchange
 * gets an {@link ExchangeRecording}. Thread-safe.
 */
public final class Recorder {

    private static final Logger log = LoggerFactory.getLogger(Recorder.class);

    /** Longest a request waits for its events' commit before it is refused as unrecorded. */
    static final Duration COMMIT_PATIENCE = Duration.ofSeconds(30);

    /** A refusal is sent whether or not its record commits; it waits this long for the commit at most. */
    static final Duration REFUSAL_PATIENCE = Duration.ofSeconds(2);

    private final AuditWriter writer;
    private final MaskingProfiles profiles;
    private final Set<String> failOpenUpstreams;
    private final BrokerMetrics metrics;

    /**
     * @param failOpenUpstreams upstreams whose calls go on, recorded late, while the audit store is down
     * @param metrics           counts the policy's decisions and the values masked in what is recorded
     */
    public Recorder(AuditWriter writer, MaskingProfiles profiles, Set<String> failOpenUpstreams, BrokerMetrics metrics) {
        this.writer = writer;
        this.profiles = profiles;
        this.failOpenUpstreams = Set.copyOf(failOpenUpstreams);
        this.metrics = metrics;
    }

    BrokerMetrics metrics() {
        return metrics;
    }

    /** Starts recording one exchange of an authenticated caller. */
    public ExchangeRecording exchange(Caller caller, String upstream) {
        return new ExchangeRecording(this, caller, upstream);
    }

    /** Records that a session ended; never fails the caller (the end is also in the session table). */
    public void sessionEnded(McpSession session, String reason) {
        RecordingSession recording = new RecordingSession(session.id(), session.upstream(), session.callerIssuer(),
                session.callerSubject(), null, List.of(), null, null, session.protocolVersion(), session.createdAt());
        AuditEvent event = new AuditEvent(session.id(), Instant.now(), Direction.BROKER, EventKind.SESSION_END, null, null,
                null, reason, StorableJson.of(Map.of("reason", reason)), 0, Map.of(), false);
        awaitQuietly(append(recording, event), "the end of session " + session.id());
    }

    MaskingProfile profile(String name) {
        return profiles.profile(name);
    }

    CompletableFuture<Void> append(RecordingSession session, AuditEvent event) {
        return append(session, List.of(event));
    }

    CompletableFuture<Void> append(RecordingSession session, List<AuditEvent> events) {
        for (AuditEvent event : events) {
            if (!event.masked().isEmpty()) {
                metrics.masked(event.masked());
            }
        }
        return writer.append(session, events, failOpenUpstreams.contains(session.upstream())
                ? AuditWriter.Durability.FAIL_OPEN : AuditWriter.Durability.FAIL_CLOSED);
    }

    /** Waits for the commit; throws {@link RecordingUnavailableException} saying why it did not happen. */
    static void await(CompletableFuture<Void> committed) {
        try {
            committed.get(COMMIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new RecordingUnavailableException(cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new RecordingUnavailableException("the audit store did not commit within " + COMMIT_PATIENCE.toSeconds()
                    + " s; the message was held back", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RecordingUnavailableException("interrupted while waiting for the audit store", e);
        }
    }

    static void awaitQuietly(CompletableFuture<Void> committed, String what) {
        try {
            committed.get(REFUSAL_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("could not record {}: {}", what, e instanceof ExecutionException ? e.getCause().getMessage() : "timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
