package dev.gatehouse.broker.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;
import java.util.Objects;

/**
 * One policy rule as written in configuration; rules are evaluated top-down and the first match
 * wins. Matching and actions are applied by the policy engine. A rule names {@code tools},
 * {@code resources} (URI globs, for {@code resources/read}) or {@code prompts} (for
 * {@code prompts/get}), or none of them to cover all three. {@code scopes} are OAuth scopes the
 * caller's token must carry for the rule's action to apply; without them the call is answered 403
 * {@code insufficient_scope}, so the client can ask its IdP for them.
 */
public record PolicyRule(
        String name,
        String upstream,
        List<String> tools,
        List<String> resources,
        List<String> prompts,
        List<String> groups,
        String when,
        List<String> scopes,
        Action action,
        String reason,
        ApprovalSettings approval,
        String mask) {

    public PolicyRule {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name is required");
        }
        // Leaving a key out means "any"; an empty list or blank condition is almost always a templating
        // slip, and on an allow rule it would silently mean "everything": refuse it.
        tools = listOrAny("tools", tools);
        resources = listOrAny("resources", resources);
        prompts = listOrAny("prompts", prompts);
        groups = listOrAny("groups", groups);
        scopes = listOrAny("scopes", scopes);
        if (when != null && when.isBlank()) {
            throw new IllegalArgumentException("when is empty; leave it out for a rule without a condition");
        }
        Objects.requireNonNull(action, "action is required (allow, deny or approve)");
        if (action == Action.APPROVE && approval == null) {
            throw new IllegalArgumentException("action approve needs an approval block");
        }
        if (action != Action.APPROVE && approval != null) {
            throw new IllegalArgumentException("approval is only allowed with action approve");
        }
    }

    private static List<String> listOrAny(String key, List<String> values) {
        if (values == null) {
            return List.of();
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException(key + " is an empty list; leave it out to match any");
        }
        return List.copyOf(values);
    }

    /** What a matching rule does with the call. */
    public enum Action {
        ALLOW, DENY, APPROVE;

        @JsonCreator
        public static Action parse(String text) {
            for (Action a : values()) {
                if (a.configName().equals(text)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("must be one of allow, deny, approve");
        }

        @JsonValue
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
