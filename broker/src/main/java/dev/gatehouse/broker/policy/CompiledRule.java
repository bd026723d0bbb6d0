package dev.gatehouse.broker.policy;

import dev.gatehouse.broker.config.PolicyRule;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** One configured rule, ready to match: globs compiled, CEL type-checked. Immutable. */
record CompiledRule(PolicyRule source, List<ToolGlob> tools, Set<String> groups, Optional<CelCondition> when) {

    static CompiledRule of(PolicyRule rule) {
        return new CompiledRule(rule,
                rule.tools().stream().map(ToolGlob::of).toList(),
                Set.copyOf(rule.groups()),
                Optional.ofNullable(rule.when()).filter(w -> !w.isBlank()).map(CelCondition::compile));
    }

    String name() {
        return source.name();
    }

    boolean matchesUpstream(String upstream) {
        return source.upstream() == null || source.upstream().equals(upstream);
    }

    boolean matchesTool(String tool) {
        return tools.isEmpty() || tools.stream().anyMatch(g -> g.matches(tool));
    }

    boolean matchesGroups(List<String> callerGroups) {
        return groups.isEmpty() || callerGroups.stream().anyMatch(groups::contains);
    }

    /** Why this rule does or does not apply, leaving out the CEL condition. */
    Optional<String> mismatch(PolicyInput input) {
        if (!matchesUpstream(input.upstream())) {
            return Optional.of("upstream is '" + input.upstream() + "', rule wants '" + source.upstream() + "'");
        }
        if (!matchesTool(input.tool())) {
            return Optional.of("tool '" + input.tool() + "' matches none of " + source.tools());
        }
        if (!matchesGroups(input.caller().groups())) {
            return Optional.of("caller groups " + input.caller().groups() + " include none of " + source.groups());
        }
        return Optional.empty();
    }
}
