package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.broker.policy.PolicyHolder;
import dev.gatehouse.broker.policy.PolicyInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Decides each {@code tools/call} before it is forwarded: allowed calls pass, denied ones are
 * answered with the rule and its reason. Approval-gated calls are refused until the gated-call
 * workflow exists: never silently allowed.
 */
final class PolicyGate {

    private static final Logger log = LoggerFactory.getLogger(PolicyGate.class);
    private static final TypeReference<Map<String, Object>> ARGS = new TypeReference<>() {
    };

    private final PolicyHolder policy;
    private final ObjectMapper json;

    PolicyGate(PolicyHolder policy, ObjectMapper json) {
        this.policy = policy;
        this.json = json;
    }

    /** Returns normally when the message may go upstream; throws the refusal otherwise. */
    void check(McpExchange exchange, JsonRpcMessage message) {
        if (!message.isRequest() || !"tools/call".equals(message.method())) {
            return;
        }
        String tool = message.target().orElseThrow(() -> new McpRefusal(McpRefusal.Reason.INVALID_REQUEST,
                "tools/call needs params.name", message.id(), Map.of(), null));
        JsonNode argsNode = message.params().path("arguments");
        Map<String, Object> args = argsNode.isObject() ? json.convertValue(argsNode, ARGS) : Map.of();
        Decision decision = policy.current().decide(new PolicyInput(policyCaller(exchange.caller()), exchange.upstream(), tool, args));
        switch (decision) {
            case Decision.Allow allow -> {
                // forwarded by the caller of this method
            }
            case Decision.Deny deny -> {
                log.info("denied {} on {} for {} by policy '{}' ({})", tool, exchange.upstream(), exchange.caller().subject(),
                        deny.rule(), deny.policyVersion());
                throw new McpRefusal(McpRefusal.Reason.POLICY_DENIED,
                        "call to '" + tool + "' denied by policy '" + deny.rule() + "': " + deny.reason(),
                        message.id(), Map.of("policy", deny.rule(), "policyVersion", deny.policyVersion()), null);
            }
            case Decision.InsufficientScope scope -> throw new McpRefusal(McpRefusal.Reason.INSUFFICIENT_SCOPE,
                    "call to '" + tool + "' needs token scopes " + String.join(" ", scope.required()) + " (policy '"
                            + scope.rule() + "'); ask the identity provider for a token with them",
                    message.id(), Map.of("policy", scope.rule(), "policyVersion", scope.policyVersion(),
                            "scope", String.join(" ", scope.required())), null);
            case Decision.Approve approve -> throw new McpRefusal(McpRefusal.Reason.APPROVAL_UNAVAILABLE,
                    "call to '" + tool + "' requires approval by " + String.join(", ", approve.approval().approvers())
                            + " (policy '" + approve.rule() + "'); approval-gated calls are not available in this version"
                            + " of Gatehouse, so the call was not forwarded",
                    message.id(), Map.of("policy", approve.rule(), "policyVersion", approve.policyVersion()), null);
        }
    }

    /** How replies to this message must be rewritten: {@code tools/list} shows only the tools the caller may use. */
    MessageFilter repliesFor(McpExchange exchange, JsonRpcMessage message) {
        if (message.isRequest() && "tools/list".equals(message.method())) {
            return new ToolListFilter(json, policy.current(), policyCaller(exchange.caller()), exchange.upstream(), message.id());
        }
        return MessageFilter.NONE;
    }

    static PolicyInput.Caller policyCaller(Caller caller) {
        return new PolicyInput.Caller(caller.subject(), caller.email().orElse(""), caller.groups(), caller.claims());
    }
}
