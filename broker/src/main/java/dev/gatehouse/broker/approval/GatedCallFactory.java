package dev.gatehouse.broker.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.masking.MaskingProfile;
import dev.gatehouse.broker.config.ApprovalSettings;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.workflows.gated.ApprovalPolicy;
import dev.gatehouse.workflows.gated.ApproverGroup;
import dev.gatehouse.workflows.gated.EscalationStep;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.Requester;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a gated request into the workflow's input: what identifies the call (so a retry finds the
 * approval it belongs to), the masked preview approvers see, and the approval parameters frozen
 * with the approver groups' members as configured now. Thread-safe.
 */
final class GatedCallFactory {

    private final Map<String, dev.gatehouse.broker.config.ApproverGroup> approvers;
    private final MaskingProfile previewMask;
    private final Map<String, Duration> upstreamTimeouts;

    /**
     * @param previewMask masks the arguments approvers see: stored records and approval previews are always masked
     */
    GatedCallFactory(Map<String, dev.gatehouse.broker.config.ApproverGroup> approvers, MaskingProfile previewMask,
                     Map<String, Duration> upstreamTimeouts) {
        this.approvers = Map.copyOf(approvers);
        this.previewMask = previewMask;
        this.upstreamTimeouts = Map.copyOf(upstreamTimeouts);
    }

    GatedCall build(CallToGate call, Decision.Approve approve) {
        JsonNode arguments = arguments(call);
        String argsDigest = sha256(StorableJson.canonical(StorableJson.of(arguments)));
        return new GatedCall(
                "apr-" + UUID.randomUUID(),
                callKey(call, argsDigest),
                call.recordingSessionId(),
                call.mcpSessionId(),
                call.id().toString(),
                new Requester(call.caller().issuer(), call.caller().subject(), call.caller().email().orElse(""), call.caller().groups()),
                call.upstream(),
                call.method(),
                call.target(),
                new String(call.raw(), StandardCharsets.UTF_8),
                argsDigest,
                // Approvers see the arguments (the tool is named beside them); a resource read has only its URI.
                StorableJson.of(previewMask.maskValue(arguments.has("arguments") ? arguments.get("arguments") : arguments).value()),
                policy(approve),
                upstreamTimeouts.getOrDefault(call.upstream(), Duration.ofSeconds(60)),
                call.traceContext());
    }

    /**
     * What makes two calls "the same call": its parameters without {@code _meta} (a progress token
     * differs on every retry) and without {@code task} (how the answer is delivered, not what is asked).
     */
    private static JsonNode arguments(CallToGate call) {
        ObjectNode params = call.params().isObject() ? ((ObjectNode) call.params()).deepCopy() : null;
        if (params == null) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        params.remove("_meta");
        params.remove("task");
        return params;
    }

    private static String callKey(CallToGate call, String argsDigest) {
        return callKey(call.caller().issuer(), call.caller().subject(), call.upstream(), call.method(), call.target(), argsDigest);
    }

    /** Same caller (issuer and subject), upstream, method, target and canonical arguments: one key. */
    static String callKey(String issuer, String subject, String upstream, String method, String target, String argsDigest) {
        String identity = String.join("\n", issuer, subject, upstream, method, target, argsDigest);
        return sha256(identity.getBytes(StandardCharsets.UTF_8));
    }

    private ApprovalPolicy policy(Decision.Approve approve) {
        ApprovalSettings settings = approve.approval();
        Map<String, ApproverGroup> groups = new LinkedHashMap<>();
        settings.approvers().forEach(name -> groups.put(name, snapshot(name)));
        List<EscalationStep> steps = new ArrayList<>();
        for (ApprovalSettings.EscalationStep step : settings.escalate()) {
            step.to().forEach(name -> groups.put(name, snapshot(name)));
            steps.add(new EscalationStep(step.after(), step.to()));
        }
        return new ApprovalPolicy(approve.rule(), approve.policyVersion(), settings.approvers(), settings.required(),
                settings.timeout(), settings.remindEvery(), steps, groups, approve.mask().orElse(null), approve.reason());
    }

    private ApproverGroup snapshot(String name) {
        dev.gatehouse.broker.config.ApproverGroup group = approvers.get(name);
        if (group == null) {
            // Config validation refuses a policy naming an undefined group; an empty group keeps the call waiting visibly.
            return new ApproverGroup(name, List.of(), null, false);
        }
        return new ApproverGroup(name, group.members(), group.slack() == null ? null : group.slack().channel(), group.email());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
