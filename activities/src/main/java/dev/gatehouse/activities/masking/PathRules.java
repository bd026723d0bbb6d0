package dev.gatehouse.activities.masking;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** A profile's field-path rules and the keys that can trigger them. Immutable and thread-safe. */
final class PathRules {

    /** One rule: its path, what replaces a matched value, and the counter it is summarised under. */
    record Rule(FieldPath path, String replacement, int counter) {

        Rule {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(replacement, "replacement");
        }
    }

    private final Rule[] rules;
    private final Set<String> triggers;
    private final boolean anyKeyTriggers;
    private final boolean elementTriggers;

    PathRules(List<Rule> rules) {
        this.rules = rules.toArray(Rule[]::new);
        Set<String> keys = new HashSet<>();
        boolean any = false;
        for (Rule rule : rules) {
            // A value matched by a path sits under every literal key of that path; a path without a
            // non-numeric literal can match under any key (and array indexes are not keys).
            List<String> literals = rule.path().literals().stream()
                    .filter(literal -> !literal.chars().allMatch(Character::isDigit)).toList();
            any |= literals.isEmpty();
            keys.addAll(literals);
        }
        this.triggers = Set.copyOf(keys);
        this.anyKeyTriggers = any;
        this.elementTriggers = any;
    }

    /** Whether a value under an object member named {@code key} might be matched by some rule: a cheap, conservative test. */
    boolean mightMatchUnder(String key) {
        return anyKeyTriggers || triggers.contains(key);
    }

    /**
     * Whether a rule might match among array elements where there are no keys to test: only a
     * rule without a non-numeric key can ({@code *.0} can, {@code items.0} needs {@code items}).
     */
    boolean mightMatchElements() {
        return elementTriggers;
    }

    /** Where a walk stands at the root of a value the rules apply to, or {@code null} when there are no rules. */
    State start() {
        if (rules.length == 0) {
            return null;
        }
        long[] states = new long[rules.length];
        for (int i = 0; i < rules.length; i++) {
            states[i] = rules[i].path().start();
        }
        return new State(states);
    }

    /** Where a walk stands in every rule's path. Immutable: a step makes a new one. */
    final class State {

        private final long[] states;

        private State(long[] states) {
            this.states = states;
        }

        /** The state in member {@code key} (then {@code index} is -1) or element {@code index}; {@code null} once no rule can match. */
        State step(String key, int index) {
            long[] next = new long[states.length];
            boolean alive = false;
            for (int i = 0; i < states.length; i++) {
                next[i] = states[i] == 0 ? 0 : rules[i].path().step(states[i], key, index);
                alive |= next[i] != 0;
            }
            return alive ? new State(next) : null;
        }

        /** The first rule whose path ends here, or {@code null}. */
        Rule matched() {
            for (int i = 0; i < states.length; i++) {
                if (rules[i].path().accepts(states[i])) {
                    return rules[i];
                }
            }
            return null;
        }
    }
}
