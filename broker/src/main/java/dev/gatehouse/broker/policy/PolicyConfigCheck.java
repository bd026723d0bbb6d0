package dev.gatehouse.broker.policy;

import dev.gatehouse.broker.config.ConfigCheck;
import dev.gatehouse.broker.config.ConfigProblem;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.PolicyRule;

import java.util.ArrayList;
import java.util.List;

/** Compiles and type-checks every rule's CEL {@code when} at load, so a bad one is a config error with its line. */
public final class PolicyConfigCheck implements ConfigCheck {

    @Override
    public List<ConfigProblem> check(GatehouseConfig config, Locator at) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (int i = 0; i < config.policies().size(); i++) {
            PolicyRule rule = config.policies().get(i);
            if (rule.when() == null || rule.when().isBlank()) {
                continue;
            }
            String key = "policies[" + i + "].when";
            PolicySet.celProblem(rule.when()).ifPresent(message ->
                    problems.add(at.problem(key, "invalid CEL expression: " + message.replaceAll("\\s+", " ").trim())));
        }
        return problems;
    }
}
