package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.broker.policy.PolicyHolder;
import dev.gatehouse.broker.policy.PolicyInput;
import dev.gatehouse.broker.policy.PolicySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/**
 * Decides each {@code tools/call} (and {@code resources/read} / {@code prompts/get}, once a rule
 * names resources or prompts) before it is forwarded: allowed calls pass, denied ones are answered
 * with the rule and its reason, approval-gated ones are handed back to be held for their approval.
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

    /**
     * Returns empty when the message may go upstream, the approval decision when it must wait for
     * one; throws the refusal otherwise.
     */
    Optional<Decision.Approve> check(McpExchange exchange, JsonRpcMessage message) {
        PolicyInput.Target target = decidedTarget(message.method());
        if (!message.isRequest() || target == null) {
            return Optional.empty();
        }
        PolicySet current = policy.current();
        if (!current.governs(target)) {
            return Optional.empty();
        }
        String tool = message.target().orElseThrow(() -> new McpRefusal(McpRefusal.Reason.INVALID_REQUEST,
                message.method() + " needs params." + (target == PolicyInput.Target.RESOURCE ? "uri" : "name"),
                message.id(), Map.of(), null));
        if (target == PolicyInput.Target.RESOURCE) {
            ResourceUris.problem(tool).ifPresent(problem -> {
                throw new McpRefusal(McpRefusal.Reason.INVALID_REQUEST, "resource URI '" + tool + "' is not in normal form ("
                        + problem + "); policies decide on the normal spelling, so send that", message.id(), Map.of(), null);
            });
        }
        JsonNode argsNode = message.params().path("arguments");
        if (!argsNode.isMissingNode() && !argsNode.isObject()) {
            // The policy must see exactly what the upstream will: anything but an object is refused.
            throw new McpRefusal(McpRefusal.Reason.INVALID_REQUEST, "params.arguments must be an object",
                    message.id(), Map.of(), null);
        }
        Map<String, Object> args = argsNode.isObject() ? json.convertValue(argsNode, ARGS) : Map.of();
        Decision decision = current.decide(new PolicyInput(policyCaller(exchange.caller()), exchange.upstream(), target, tool, args));
        exchange.recording().decided(message.method(), message.id(), tool, decision);
        switch (decision) {
            case Decision.Allow allow -> {
                return Optional.empty();
            }
            case Decision.Deny deny -> {
                log.info("denied {} on {} for {} by policy '{}' ({})", tool, exchange.upstream(), exchange.caller().subject(),
                        deny.rule(), deny.policyVersion());
                throw new McpRefusal(McpRefusal.Reason.POLICY_DENIED,
                        verb(target) + " '" + tool + "' denied by policy '" + deny.rule() + "': " + deny.reason(),
                        message.id(), Map.of("policy", deny.rule(), "policyVersion", deny.policyVersion()), null);
            }
            case Decision.InsufficientScope scope -> {
                log.info("refused {} on {} for {}: policy '{}' needs scopes {} ({})", tool, exchange.upstream(),
                        exchange.caller().subject(), scope.rule(), scope.required(), scope.policyVersion());
                throw new McpRefusal(McpRefusal.Reason.INSUFFICIENT_SCOPE,
                        verb(target) + " '" + tool + "' needs token scopes " + String.join(" ", scope.required()) + " (policy '"
                                + scope.rule() + "'); ask the identity provider for a token with them",
                        message.id(), Map.of("policy", scope.rule(), "policyVersion", scope.policyVersion(),
                                "scope", String.join(" ", scope.required())), null);
            }
            case Decision.Approve approve -> {
                return Optional.of(approve);
            }
        }
    }

    /**
     * How replies to this message must be rewritten: list results show only what the caller may use (and, to a
     * client that declared tasks, which tools may run as tasks); an initialize result offers tasks to such a client.
     */
    MessageFilter repliesFor(McpExchange exchange, JsonRpcMessage message) {
        if (message.declaresClientTasks()) {
            return GatedTasks.advertisedTo(json, message.id());
        }
        PolicyInput.Target listed = switch (message.method() == null ? "" : message.method()) {
            case "tools/list" -> PolicyInput.Target.TOOL;
            case "resources/list" -> PolicyInput.Target.RESOURCE;
            case "prompts/list" -> PolicyInput.Target.PROMPT;
            default -> null;
        };
        PolicySet current = policy.current();
        if (!message.isRequest() || listed == null || !current.governs(listed)) {
            return MessageFilter.NONE;
        }
        boolean offerTasks = exchange.session().map(McpSession::clientTasks).orElse(false);
        return new ListFilter(json, current, policyCaller(exchange.caller()), exchange.upstream(), message.id(), listed, offerTasks);
    }

    private static PolicyInput.Target decidedTarget(String method) {
        return switch (method == null ? "" : method) {
            case "tools/call" -> PolicyInput.Target.TOOL;
            case "resources/read" -> PolicyInput.Target.RESOURCE;
            case "prompts/get" -> PolicyInput.Target.PROMPT;
            default -> null;
        };
    }

    private static String verb(PolicyInput.Target target) {
        return switch (target) {
            case TOOL -> "call to";
            case RESOURCE -> "read of resource";
            case PROMPT -> "use of prompt";
        };
    }

    static PolicyInput.Caller policyCaller(Caller caller) {
        return new PolicyInput.Caller(caller.subject(), caller.email().orElse(""), caller.groups(), caller.claims());
    }
}
