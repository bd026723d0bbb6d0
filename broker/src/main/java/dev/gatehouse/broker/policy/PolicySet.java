package dev.gatehouse.broker.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.cel.runtime.CelEvaluationException;
import dev.gatehouse.broker.config.PolicyRule;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The configured rules in order: the first that matches decides, and when none does the call is
 * denied. Immutable and thread-safe; a reload builds a new set and swaps it in whole.
 */
public final class PolicySet {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final List<CompiledRule> rules;
    private final List<PolicyRule> source;
    private final String version;

    private PolicySet(List<CompiledRule> rules, List<PolicyRule> source, String version) {
        this.rules = rules;
        this.source = source;
        this.version = version;
    }

    /** Compiles the rules; an invalid CEL expression throws {@link IllegalArgumentException} naming the rule. */
    public static PolicySet compile(List<PolicyRule> rules) {
        List<CompiledRule> compiled = new ArrayList<>();
        for (PolicyRule rule : rules) {
            try {
                compiled.add(CompiledRule.of(rule));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("policy '" + rule.name() + "': " + e.getMessage(), e);
            }
        }
        return new PolicySet(List.copyOf(compiled), List.copyOf(rules), versionOf(rules));
    }

    /** Checks one CEL expression as {@link #compile} would; empty when it is valid, else CEL's message. */
    public static Optional<String> celProblem(String expression) {
        try {
            CelCondition.compile(expression);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Whether the policy decides this kind of call: tools always; resources and prompts only once
     * some rule names them (until then {@code resources/read} and {@code prompts/get} pass as before).
     */
    public boolean governs(PolicyInput.Target target) {
        return target == PolicyInput.Target.TOOL
                || rules.stream().anyMatch(r -> !r.globsFor(target).isEmpty());
    }

    /** The rules as configured, in the order they are evaluated. */
    public List<PolicyRule> rules() {
        return source;
    }

    public String version() {
        return version;
    }

    public int size() {
        return rules.size();
    }

    /** Decides one call. A rule whose condition cannot be evaluated denies: policy fails closed. */
    public Decision decide(PolicyInput input) {
        for (CompiledRule rule : rules) {
            if (rule.mismatch(input).isPresent()) {
                continue;
            }
            if (rule.when().isPresent()) {
                try {
                    if (!rule.when().get().test(input)) {
                        continue;
                    }
                } catch (CelEvaluationException e) {
                    return new Decision.Deny(rule.name(), version, "policy '" + rule.name()
                            + "' could not evaluate its condition (" + e.getMessage()
                            + "); use has() for optional arguments");
                }
            }
            return decisionOf(rule, input.caller());
        }
        return new Decision.Deny(Decision.DEFAULT_DENY, version, "no policy allows this call");
    }

    /**
     * Whether some call of {@code tool} by this caller could be allowed or approved, whatever its
     * arguments: what {@code tools/list} shows. Rules with conditions count as "maybe"; the first
     * unconditional deny ends the search.
     */
    public boolean mayEverPermit(PolicyInput.Caller caller, String upstream, String tool) {
        return mayEverPermit(caller, upstream, PolicyInput.Target.TOOL, tool);
    }

    /** As {@link #mayEverPermit(PolicyInput.Caller, String, String)}, for any kind of target. */
    public boolean mayEverPermit(PolicyInput.Caller caller, String upstream, PolicyInput.Target target, String name) {
        if (!governs(target)) {
            return true;
        }
        PolicyInput probe = new PolicyInput(caller, upstream, target, name, java.util.Map.of());
        for (CompiledRule rule : rules) {
            if (rule.mismatch(probe).isPresent()) {
                continue;
            }
            if (rule.source().action() != PolicyRule.Action.DENY) {
                return true;
            }
            if (rule.when().isEmpty()) {
                return false;
            }
        }
        return false;
    }

    /**
     * Whether some call of {@code name} by this caller could be held for approval, whatever its arguments: what
     * {@code tools/list} offers as a task. As in {@link #mayEverPermit}, rules with conditions count as "maybe" and the
     * first unconditional rule that matches decides.
     */
    public boolean mayRequireApproval(PolicyInput.Caller caller, String upstream, PolicyInput.Target target, String name) {
        PolicyInput probe = new PolicyInput(caller, upstream, target, name, java.util.Map.of());
        for (CompiledRule rule : rules) {
            if (rule.mismatch(probe).isPresent()) {
                continue;
            }
            if (rule.source().action() == PolicyRule.Action.APPROVE) {
                return true;
            }
            if (rule.when().isEmpty()) {
                return false;
            }
        }
        return false;
    }

    /** Every rule in order with whether and why it matches: what {@code gatehouse explain} prints. */
    public List<String> explain(PolicyInput input) {
        List<String> lines = new ArrayList<>();
        boolean decided = false;
        for (int i = 0; i < rules.size(); i++) {
            CompiledRule rule = rules.get(i);
            String head = (i + 1) + ". '" + rule.name() + "' (" + rule.source().action().configName() + "): ";
            if (decided) {
                lines.add(head + "not reached");
                continue;
            }
            Optional<String> mismatch = rule.mismatch(input);
            if (mismatch.isPresent()) {
                lines.add(head + "no match: " + mismatch.get());
                continue;
            }
            if (rule.when().isPresent()) {
                String expression = rule.when().get().expression();
                try {
                    if (!rule.when().get().test(input)) {
                        lines.add(head + "no match: when `" + expression + "` is false");
                        continue;
                    }
                    lines.add(head + "MATCHES (when `" + expression + "` is true)");
                } catch (CelEvaluationException e) {
                    lines.add(head + "MATCHES and DENIES: when `" + expression + "` cannot be evaluated: " + e.getMessage());
                }
            } else {
                lines.add(head + "MATCHES");
            }
            if (rule.source().action() != PolicyRule.Action.DENY && !input.caller().scopes().containsAll(rule.source().scopes())) {
                lines.add("   but the token lacks scopes " + rule.source().scopes() + " (has " + input.caller().scopes() + ")");
            }
            decided = true;
        }
        if (!decided) {
            lines.add("no rule matched: default deny");
        }
        return lines;
    }

    private Decision decisionOf(CompiledRule rule, PolicyInput.Caller caller) {
        PolicyRule source = rule.source();
        if (source.action() != PolicyRule.Action.DENY && !caller.scopes().containsAll(source.scopes())) {
            return new Decision.InsufficientScope(rule.name(), version, source.scopes());
        }
        Optional<String> mask = Optional.ofNullable(source.mask());
        return switch (source.action()) {
            case ALLOW -> new Decision.Allow(rule.name(), version, mask);
            case DENY -> new Decision.Deny(rule.name(), version,
                    source.reason() == null ? "denied by policy '" + rule.name() + "'" : source.reason());
            case APPROVE -> new Decision.Approve(rule.name(), version, source.approval(), mask, source.reason());
        };
    }

    private static String versionOf(List<PolicyRule> rules) {
        try {
            byte[] canonical = CANONICAL.writeValueAsString(rules).getBytes(StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical);
            return HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash the policy set", e);
        }
    }
}
