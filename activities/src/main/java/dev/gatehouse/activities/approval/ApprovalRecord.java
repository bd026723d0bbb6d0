package dev.gatehouse.activities.approval;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One approval as stored: the gated call it is about (masked), its policy, where it stands and
 * the decisions made on it.
 *
 * @param recordingSessionId the audit session whose chain records the approval; null until that session is recorded
 * @param callKey            SHA-256 over requester, upstream, method, target and canonical arguments
 * @param mcpSessionId       the broker's MCP session the call arrived on; null for a sessionless request
 * @param jsonRpcId          the request's JSON-RPC id as JSON text
 * @param requesterIssuer    the issuer of the requester's token; "" for approvals recorded before it was kept
 * @param requester          the requester's subject (unique only within its issuer)
 * @param requesterEmail     the requester's e-mail, "" when the token had none
 * @param target             the tool name, resource URI or prompt name
 * @param argsPreview        the arguments masked, as JSON text; never the arguments in clear
 * @param policyReason       why the rule asks for approval, shown to approvers; "" when it gives none
 * @param status             one of {@link #STATUSES}
 * @param eligibleGroups     the groups that may decide now (the first approvers plus every escalation step passed)
 * @param decidedBy          the deciders so far; once final, those whose decisions made the outcome
 * @param decidedAt          when the approval left {@code pending}; null while pending
 * @param outcomeReason      why it ended, in words; "" while pending
 * @param decisions          every decision, in the order they were made
 */
public record ApprovalRecord(
        String id,
        String recordingSessionId,
        String callKey,
        String mcpSessionId,
        String jsonRpcId,
        String requesterIssuer,
        String requester,
        String requesterEmail,
        String upstream,
        String method,
        String target,
        String argsDigest,
        String argsPreview,
        String policy,
        String policyVersion,
        String policyReason,
        String status,
        int required,
        List<String> eligibleGroups,
        Instant deadline,
        List<String> decidedBy,
        Instant createdAt,
        Instant decidedAt,
        String outcomeReason,
        List<RecordedDecision> decisions) {

    public static final String PENDING = "pending";
    public static final String APPROVED = "approved";
    public static final String DENIED = "denied";
    public static final String EXPIRED = "expired";
    public static final String CANCELLED = "cancelled";
    /** The broker lost the workflow (dev mode's in-memory Temporal restarted): nobody will decide it. */
    public static final String ABANDONED = "abandoned";

    /** Every status, as stored. */
    public static final Set<String> STATUSES = Set.of(PENDING, APPROVED, DENIED, EXPIRED, CANCELLED, ABANDONED);

    public ApprovalRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(callKey, "callKey");
        Objects.requireNonNull(jsonRpcId, "jsonRpcId");
        requesterIssuer = requesterIssuer == null ? "" : requesterIssuer;
        Objects.requireNonNull(requester, "requester");
        requesterEmail = requesterEmail == null ? "" : requesterEmail;
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(argsDigest, "argsDigest");
        argsPreview = argsPreview == null ? "null" : argsPreview;
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(policyVersion, "policyVersion");
        policyReason = policyReason == null ? "" : policyReason;
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException("approval " + id + " has unknown status '" + status + "'");
        }
        if (required < 1) {
            throw new IllegalArgumentException("required cannot be less than 1");
        }
        eligibleGroups = List.copyOf(eligibleGroups);
        Objects.requireNonNull(deadline, "deadline");
        decidedBy = List.copyOf(decidedBy);
        Objects.requireNonNull(createdAt, "createdAt");
        if (PENDING.equals(status) != (decidedAt == null)) {
            throw new IllegalArgumentException("approval " + id + ": a decision time is set exactly when it is no longer pending");
        }
        outcomeReason = outcomeReason == null ? "" : outcomeReason;
        decisions = List.copyOf(decisions);
    }

    public boolean isPending() {
        return PENDING.equals(status);
    }

    /** The same approval with its decisions: rows and decisions are read by separate queries. */
    ApprovalRecord withDecisions(List<RecordedDecision> all) {
        return new ApprovalRecord(id, recordingSessionId, callKey, mcpSessionId, jsonRpcId, requesterIssuer, requester, requesterEmail, upstream,
                method, target, argsDigest, argsPreview, policy, policyVersion, policyReason, status, required, eligibleGroups, deadline,
                decidedBy, createdAt, decidedAt, outcomeReason, all);
    }

    /** True when {@code issuer} and {@code subject} name this approval's requester (a subject alone names nobody). */
    public boolean requestedBy(String issuer, String subject) {
        return !requesterIssuer.isEmpty() && requesterIssuer.equals(issuer) && requester.equals(subject);
    }

    /** The requester as people are shown it: the e-mail when known. */
    public String requesterDisplay() {
        return requesterEmail.isEmpty() ? requester : requesterEmail;
    }
}
