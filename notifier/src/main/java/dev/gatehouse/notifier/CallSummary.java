package dev.gatehouse.notifier;

import java.time.Instant;
import java.util.Objects;

/**
 * What approvers are shown about a waiting call. Never holds the call's arguments in clear: only
 * the masked preview.
 *
 * @param requester   who asks: the workload's e-mail when its token had one, else its subject
 * @param method      {@code tools/call}, {@code resources/read} or {@code prompts/get}
 * @param target      the tool name, resource URI or prompt name
 * @param argsPreview the arguments masked, as JSON text
 * @param policy      the name of the policy rule that asks for approval
 * @param required    how many approvals decide the call
 * @param deadline    when the call expires without a decision
 */
public record CallSummary(String approvalId, String requester, String upstream, String method, String target,
                          String argsPreview, String policy, String policyVersion, int required, Instant deadline) {

    public CallSummary {
        Objects.requireNonNull(approvalId, "approvalId");
        Objects.requireNonNull(requester, "requester");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(argsPreview, "argsPreview");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(policyVersion, "policyVersion");
        if (required < 1) {
            throw new IllegalArgumentException("required cannot be less than 1");
        }
        Objects.requireNonNull(deadline, "deadline");
    }
}
