package dev.gatehouse.notifier;

import java.time.Instant;
import java.util.Objects;

/**
 * What approvers are shown about a waiting call. Never holds the call's arguments in clear: only
 * the masked preview.
 *
 * @param requester      who asks: the workload's e-mail when its token had one, else its subject
 * @param requesterEmail the workload's e-mail, "" when its token had none (then nobody is mailed the outcome)
 * @param method         {@code tools/call}, {@code resources/read} or {@code prompts/get}
 * @param target         the tool name, resource URI or prompt name
 * @param argsPreview    the arguments masked, as JSON text
 * @param policy         the name of the policy rule that asks for approval
 * @param reason         why the rule asks, in the policy author's words; "" when the rule gives none
 * @param required       how many approvals decide the call
 * @param deadline       when the call expires without a decision
 */
public record CallSummary(String approvalId, String requester, String requesterEmail, String upstream, String method,
                          String target, String argsPreview, String policy, String reason, String policyVersion,
                          int required, Instant deadline) {

    public CallSummary {
        Objects.requireNonNull(approvalId, "approvalId");
        Objects.requireNonNull(requester, "requester");
        requesterEmail = requesterEmail == null ? "" : requesterEmail;
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(argsPreview, "argsPreview");
        Objects.requireNonNull(policy, "policy");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(policyVersion, "policyVersion");
        if (required < 1) {
            throw new IllegalArgumentException("required cannot be less than 1");
        }
        Objects.requireNonNull(deadline, "deadline");
    }
}
