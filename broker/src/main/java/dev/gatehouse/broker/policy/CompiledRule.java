package dev.gatehouse.broker.policy;

import dev.gatehouse.broker.config.PolicyRule;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** One configured rule, ready to match: globs compiled, CEL type-checked. Immutable. */
record CompiledRule(PolicyRule source, List<ToolGlob> tools, List<ToolGlob> resources, List<ToolGlob> prompts,
                    Set<String> groups, Optional<CelCondition> when) {

    static CompiledRule of(PolicyRule rule) {
        return new CompiledRule(rule,
                rule.tools().stream().map(ToolGlob::of).toList(),
                rule.resources().stream().map(ToolGlob::of).toList(),
                rule.prompts().stream().map(ToolGlob::of).toList(),
                Set.copyOf(rule.groups()),
                Optional.ofNullable(rule.when()).filter(w -> !w.isBlank()).map(CelCondition::compile));
    }

    String name() {
        return source.name();
    }

    boolean matchesUpstream(String upstream) {
        return source.upstream() == null || source.upstream().equals(upstream);
    }

    /** A rule naming none of tools, resources and prompts covers all three; otherwise only what it names. */
    boolean matchesTarget(PolicyInput.Target target, String name) {
        if (tools.isEmpty() && resources.isEmpty() && prompts.isEmpty()) {
            return true;
        }
        List<ToolGlob> globs = globsFor(target);
        return globs.stream().anyMatch(g -> g.matches(name));
    }

    List<ToolGlob> globsFor(PolicyInput.Target target) {
        return switch (target) {
            case TOOL -> tools;
            case RESOURCE -> resources;
            case PROMPT -> prompts;
        };
    }

    boolean matchesGroups(List<String> callerGroups) {
        return groups.isEmpty() || callerGroups.stream().anyMatch(groups::contains);
    }

    /** Why this rule does or does not apply, leaving out the CEL condition. */
    Optional<String> mismatch(PolicyInput input) {
        if (!matchesUpstream(input.upstream())) {
            return Optional.of("upstream is '" + input.upstream() + "', rule wants '" + source.upstream() + "'");
        }
        if (!matchesTarget(input.target(), input.tool())) {
            List<String> named = globsFor(input.target()).stream().map(ToolGlob::glob).toList();
            return Optional.of(input.target().name().toLowerCase(java.util.Locale.ROOT) + " '" + input.tool() + "' matches none of " + named);
        }
        if (!matchesGroups(input.caller().groups())) {
            return Optional.of("caller groups " + input.caller().groups() + " include none of " + source.groups());
        }
        return Optional.empty();
    }
}
