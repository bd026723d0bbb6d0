package dev.gatehouse.workflows.gated;

import java.util.Objects;

/**
 * One call a policy gated: the workflow's input. {@code request} holds the caller's arguments in
 * clear, which is why Temporal payloads are encrypted; {@code argsPreview} is the masked copy
 * shown to approvers.
 *
 * @param approvalId  the approval's id, which is also the workflow id
 * @param callKey     SHA-256 over requester, upstream, method, target and canonical arguments: identical calls share it
 * @param recordingSessionId the audit session whose chain records the approval (the MCP session's id, or the
 *                    {@code x-…} id of a sessionless request)
 * @param sessionId   the broker's MCP session the call arrived on, whose upstream session it is forwarded in;
 *                    null when the request named none
 * @param jsonRpcId   the JSON-RPC id of the request as JSON text ({@code 1}, {@code "a"})
 * @param method      {@code tools/call}, {@code resources/read} or {@code prompts/get}
 * @param target      the tool name, resource URI or prompt name
 * @param request     the JSON-RPC request to forward once approved, as the caller sent it
 * @param argsDigest  SHA-256 (hex) of the canonical arguments
 * @param argsPreview the arguments masked, as JSON text
 * @param forwardTimeout how long the upstream has to answer once the call is forwarded (the upstream's timeout)
 * @param traceContext the caller's W3C trace context, passed on to the upstream; null when the caller sent none
 *                    (and in histories recorded before it was kept)
 */
public record GatedCall(
        String approvalId,
        String callKey,
        String recordingSessionId,
        String sessionId,
        String jsonRpcId,
        Requester requester,
        String upstream,
        String method,
        String target,
        String request,
        String argsDigest,
        String argsPreview,
        ApprovalPolicy policy,
        java.time.Duration forwardTimeout,
        TraceContext traceContext) {

    public GatedCall {
        Objects.requireNonNull(approvalId, "approvalId");
        Objects.requireNonNull(callKey, "callKey");
        Objects.requireNonNull(recordingSessionId, "recordingSessionId");
        Objects.requireNonNull(jsonRpcId, "jsonRpcId");
        Objects.requireNonNull(requester, "requester");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(argsDigest, "argsDigest");
        Objects.requireNonNull(argsPreview, "argsPreview");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(forwardTimeout, "forwardTimeout");
    }

    /** The same call under another approval id. */
    public GatedCall withApprovalId(String newApprovalId) {
        return new GatedCall(newApprovalId, callKey, recordingSessionId, sessionId, jsonRpcId, requester, upstream, method,
                target, request, argsDigest, argsPreview, policy, forwardTimeout, traceContext);
    }

    /** The same call carrying {@code trace}. */
    public GatedCall withTrace(TraceContext trace) {
        return new GatedCall(approvalId, callKey, recordingSessionId, sessionId, jsonRpcId, requester, upstream, method,
                target, request, argsDigest, argsPreview, policy, forwardTimeout, trace);
    }

    /** A call whose caller sent no trace context. */
    public GatedCall(String approvalId, String callKey, String recordingSessionId, String sessionId, String jsonRpcId,
                     Requester requester, String upstream, String method, String target, String request, String argsDigest,
                     String argsPreview, ApprovalPolicy policy, java.time.Duration forwardTimeout) {
        this(approvalId, callKey, recordingSessionId, sessionId, jsonRpcId, requester, upstream, method, target, request,
                argsDigest, argsPreview, policy, forwardTimeout, null);
    }
}
