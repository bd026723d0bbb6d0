package dev.gatehouse.activities.approval;

import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.RecordingSession;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.workflows.gated.ApprovalRecordActivities;
import dev.gatehouse.workflows.gated.Decision;
import dev.gatehouse.workflows.gated.ForwardResult;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.GatedCallResult;
import dev.gatehouse.workflows.gated.Outcome;
import dev.gatehouse.workflows.gated.Verdict;
import io.temporal.failure.ApplicationFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes an approval's life into the audit store: the {@code audit_approval} row the inbox reads,
 * each decision, and an {@code approval} event per step in the hash chain of the session the call
 * arrived in. Every method is idempotent by approval id (and decider): rows are written with
 * {@code on conflict do nothing} or only while pending, and a chain step is appended only when the
 * chain does not hold it yet (see {@link ApprovalChain}). Each step's event is committed before its
 * row is written, so a row never claims more than the chain shows. Only masked values are
 * recorded: the argument preview and the forwarder's masked answer, never the request in clear.
 * Thread-safe.
 */
public final class ApprovalRecordActivitiesImpl implements ApprovalRecordActivities {

    private static final Logger log = LoggerFactory.getLogger(ApprovalRecordActivitiesImpl.class);

    /** The {@code ApplicationFailure} type when a step names an approval that was never recorded as pending. */
    public static final String UNKNOWN_APPROVAL = "UNKNOWN_APPROVAL";

    private final ApprovalStore store;
    private final ApprovalChain chain;

    /** @param writer the broker's audit writer, so approval steps join the same chains and group commits as messages */
    public ApprovalRecordActivitiesImpl(ApprovalStore store, AuditWriter writer) {
        this.store = store;
        this.chain = new ApprovalChain(writer, store.jdbi());
    }

    @Override
    public void recordPending(GatedCall call, Instant deadline) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("requester", call.requester().subject());
        if (!call.requester().email().isEmpty()) {
            details.put("requesterEmail", call.requester().email());
        }
        details.put("upstream", call.upstream());
        details.put("policy", call.policy().rule());
        details.put("policyVersion", call.policy().policyVersion());
        details.put("approvers", call.policy().approvers());
        details.put("required", call.policy().required());
        details.put("escalate", call.policy().escalate().stream()
                .map(step -> Map.of("after", step.after().toString(), "groups", step.groups())).toList());
        details.put("deadline", deadline.toString());
        details.put("argsDigest", call.argsDigest());
        details.put("argsPreview", StorableJson.parse(StorableJson.of(call.argsPreview())));
        // The event first: once it is committed the recording session exists, and the row can link to it.
        // No outcome yet: the broker's decision event already marks the session "approval-required".
        chain.append(place(call), call.approvalId(), ApprovalChain.Step.PENDING, "", null, details, fallbackSession(call));
        if (!store.recordPending(call, deadline) && store.find(call.approvalId()).isEmpty()) {
            log.warn("approval {} was not stored: another approval of the same call (key {}) is pending", call.approvalId(),
                    call.callKey());
        }
    }

    @Override
    public void recordDecision(String approvalId, Decision decision) {
        ApprovalRecord approval = known(approvalId);
        RecordedDecision recorded = recorded(decision);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("deciderSubject", decision.decider().subject());
        details.put("verdict", recorded.decision());
        details.put("reason", recorded.reason());
        details.put("channel", recorded.channel());
        details.put("at", recorded.decidedAt().toString());
        chain.append(place(approval), approvalId, ApprovalChain.Step.DECISION, recorded.approver(), null, details,
                fallbackSession(approval));
        store.recordDecision(approvalId, recorded);
    }

    @Override
    public void recordOutcome(GatedCall call, GatedCallResult result) {
        ApprovalRecord approval = known(result.approvalId());
        String status = result.outcome().wireName();
        List<String> decidedBy = decidedBy(result);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("outcome", status);
        details.put("detail", result.detail());
        details.put("decidedAt", result.decidedAt().toString());
        details.put("decidedBy", decidedBy);
        details.put("decisions", result.decisions().stream().map(ApprovalRecordActivitiesImpl::decisionDetails).toList());
        if (result.forwarded() != null) {
            details.put("forwarded", forwarded(result.forwarded()));
        }
        chain.append(place(approval), approval.id(), ApprovalChain.Step.OUTCOME, "", status, details, fallbackSession(call));
        store.recordOutcome(approval.id(), status, result.decidedAt(), result.detail(), decidedBy,
                result.decisions().stream().map(ApprovalRecordActivitiesImpl::recorded).toList());
    }

    private ApprovalRecord known(String approvalId) {
        ApprovalRecord approval = store.find(approvalId).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "approval " + approvalId + " is not recorded; recordPending must come first", UNKNOWN_APPROVAL));
        if (approval.recordingSessionId() == null) {
            // Linked by recordPending once its event is committed; until then there is no chain to append to.
            throw new IllegalStateException("approval " + approvalId + " has no recording session yet");
        }
        return approval;
    }

    /** Those whose decisions made the outcome: the approvers of an approved call, the deniers of a denied one, else everyone who decided. */
    private static List<String> decidedBy(GatedCallResult result) {
        Set<String> who = new LinkedHashSet<>();
        for (Decision decision : result.decisions()) {
            boolean counts = switch (result.outcome()) {
                case APPROVED -> decision.verdict() == Verdict.APPROVE;
                case DENIED -> decision.verdict() == Verdict.DENY;
                case EXPIRED, CANCELLED, PENDING -> true;
            };
            if (counts) {
                who.add(decision.decider().display());
            }
        }
        return new ArrayList<>(who);
    }

    private static Map<String, Object> forwarded(ForwardResult forwarded) {
        // The forwarder masked the answer with the call's profile before it entered the workflow.
        return forwarded.answered()
                ? Map.of("response", StorableJson.parse(StorableJson.of(forwarded.response())))
                : Map.of("failure", forwarded.failure());
    }

    private static Map<String, Object> decisionDetails(Decision decision) {
        RecordedDecision recorded = recorded(decision);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("decider", recorded.approver());
        details.put("verdict", recorded.decision());
        details.put("reason", recorded.reason());
        details.put("channel", recorded.channel());
        details.put("at", recorded.decidedAt().toString());
        return details;
    }

    static RecordedDecision recorded(Decision decision) {
        return new RecordedDecision(decision.decider().display(), decision.channel(), decision.at(),
                decision.verdict().name().toLowerCase(Locale.ROOT), decision.reason());
    }

    private static ApprovalChain.Place place(GatedCall call) {
        return new ApprovalChain.Place(call.recordingSessionId(), call.method(), call.jsonRpcId(), call.target());
    }

    private static ApprovalChain.Place place(ApprovalRecord approval) {
        return new ApprovalChain.Place(approval.recordingSessionId(), approval.method(), approval.jsonRpcId(),
                approval.target());
    }

    /**
     * Who the session belongs to, should the approval's session not be recorded yet (the broker records the call's
     * request there before gating it, so this is a fallback). The call does not name the token's issuer.
     */
    private static RecordingSession fallbackSession(GatedCall call) {
        return new RecordingSession(call.recordingSessionId(), call.upstream(), "", call.requester().subject(),
                call.requester().email().isEmpty() ? null : call.requester().email(), call.requester().groups(), null, null, null,
                Instant.now());
    }

    private static RecordingSession fallbackSession(ApprovalRecord approval) {
        return new RecordingSession(approval.recordingSessionId(), approval.upstream(), "", approval.requester(),
                approval.requesterEmail().isEmpty() ? null : approval.requesterEmail(), List.of(), null, null, null,
                approval.createdAt());
    }
}
