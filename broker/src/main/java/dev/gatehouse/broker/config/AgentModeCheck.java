package dev.gatehouse.broker.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code gatehouse agent} needs of its file: the Temporal cluster it shares with the brokers (and their
 * payload key, since it reads and writes their payloads), the task queue it polls, and the upstreams it reaches
 * by URL. Everything else is the brokers' business and is refused here rather than silently ignored.
 */
public final class AgentModeCheck implements ConfigCheck {

    @Override
    public List<ConfigProblem> check(GatehouseConfig config, Locator at) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (config.agent() == null) {
            problems.add(at.problem("agent", "an agent needs agent.taskQueue: the task queue it polls, the one the brokers'"
                    + " upstreams[].agent.taskQueue name"));
        }
        if (config.temporal() == null) {
            problems.add(at.problem("temporal", "an agent needs temporal.target, namespace and payloadKey: those of its brokers"));
        }
        if (config.upstreams().isEmpty()) {
            problems.add(at.problem("upstreams", "an agent needs the upstreams it reaches, each with its url (and headers)"));
        }
        for (int i = 0; i < config.upstreams().size(); i++) {
            if (config.upstreams().get(i).viaAgent()) {
                problems.add(at.problem("upstreams[" + i + "].agent", "an agent reaches its upstreams by url itself"));
            }
        }
        if (!config.policies().isEmpty()) {
            problems.add(at.problem("policies", "policies are the brokers': an agent runs whatever its brokers decided"));
        }
        if (config.storage() != null) {
            problems.add(at.problem("storage", "an agent connects to Temporal only: it needs no database"));
        }
        return problems;
    }
}
