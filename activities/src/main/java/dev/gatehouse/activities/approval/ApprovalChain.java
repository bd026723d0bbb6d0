package dev.gatehouse.activities.approval;

import dev.gatehouse.activities.audit.AuditEvent;
import dev.gatehouse.activities.audit.AuditUnavailableException;
import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.Direction;
import dev.gatehouse.activities.audit.EventKind;
import dev.gatehouse.activities.audit.RecordingSession;
import dev.gatehouse.activities.audit.StorableJson;
import org.jdbi.v3.core.Jdbi;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Appends the steps of an approval to the hash chain of the session the call arrived in, through
 * the same {@link AuditWriter} as every other event, and waits until each is committed.
 *
 * <p>A step is written at most once per approval (and decider) even when its activity is retried:
 * before appending, the session's chain is asked whether it holds the step already. The chain is
 * the thing that must not hold a step twice, so it is what is asked, rather than a marker kept
 * beside it that could disagree with it. One window is left: an attempt that timed out while its
 * event still sat in the writer's queue may see the event committed after its retry looked; the
 * record then shows the same step twice, which misstates nothing.
 */
final class ApprovalChain {

    /** Longest an activity waits for its event's commit before it fails and Temporal retries it. */
    static final Duration COMMIT_PATIENCE = Duration.ofSeconds(30);

    /** A step of an approval, as named in its event's payload. */
    enum Step {
        PENDING, DECISION, OUTCOME;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where a step goes: the chain's session and the call's request. */
    record Place(String sessionId, String method, String jsonRpcId, String target) {
    }

    private final AuditWriter writer;
    private final Jdbi jdbi;

    ApprovalChain(AuditWriter writer, Jdbi jdbi) {
        this.writer = writer;
        this.jdbi = jdbi;
    }

    /**
     * Appends one step unless the chain holds it already, and waits for its commit.
     *
     * @param decider the decider of a {@link Step#DECISION} (it is part of what makes the step unique); "" otherwise
     * @param details the payload beyond approval id, step and decider; masked values only
     * @param session who the session belongs to, used only when the session is not recorded yet (the writer inserts a
     *                session it has not seen with {@code on conflict do nothing}: a recorded owner is never replaced)
     * @throws AuditUnavailableException when the event was not committed (the activity fails and is retried)
     */
    void append(Place place, String approvalId, Step step, String decider, String outcome, Map<String, Object> details,
                RecordingSession session) {
        if (holds(place.sessionId(), approvalId, step, decider)) {
            return;
        }
        Map<String, Object> payload = new java.util.LinkedHashMap<>();
        payload.put("approvalId", approvalId);
        payload.put("step", step.wireName());
        if (!decider.isEmpty()) {
            payload.put("decider", decider);
        }
        payload.putAll(details);
        AuditEvent event = new AuditEvent(place.sessionId(), Instant.now(), Direction.BROKER, EventKind.APPROVAL, place.method(),
                place.jsonRpcId(), place.target(), outcome, StorableJson.of(payload), 0, Map.of(), false);
        await(writer.append(session, event, AuditWriter.Durability.FAIL_CLOSED), approvalId, step);
    }

    private boolean holds(String sessionId, String approvalId, Step step, String decider) {
        // Walks one session's events by its primary key; approval steps are a handful among them.
        return jdbi.withHandle(h -> h.createQuery("""
                        select exists(select 1 from audit_event
                                       where session_id = :session and kind = :kind
                                         and payload ->> 'approvalId' = :id and payload ->> 'step' = :step
                                         and coalesce(payload ->> 'decider', '') = :decider)""")
                .bind("session", sessionId)
                .bind("kind", EventKind.APPROVAL.dbName())
                .bind("id", approvalId)
                .bind("step", step.wireName())
                .bind("decider", decider)
                .mapTo(Boolean.class)
                .one());
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> committed, String approvalId, Step step) {
        try {
            committed.get(COMMIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new AuditUnavailableException("the " + step.wireName() + " step of approval " + approvalId
                    + " was not recorded: " + cause, cause);
        } catch (TimeoutException e) {
            throw new AuditUnavailableException("the audit store did not commit the " + step.wireName() + " step of approval "
                    + approvalId + " within " + COMMIT_PATIENCE.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditUnavailableException("interrupted while recording the " + step.wireName() + " step of approval "
                    + approvalId, e);
        }
    }
}
