package dev.gatehouse.broker.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the broker reaches an upstream it has no route to: through the agents polling {@code taskQueue}, which
 * run beside the upstream and hold its URL and credential ({@code upstreams[].agent}); and, in an agent's own
 * file, the queue it polls ({@code agent}).
 */
public record AgentRoute(String taskQueue) {

    private static final Pattern QUEUE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    public AgentRoute {
        Objects.requireNonNull(taskQueue, "taskQueue is required: the Temporal task queue the agents poll");
        if (!QUEUE.matcher(taskQueue).matches()) {
            throw new IllegalArgumentException("taskQueue must be letters, digits, '.', '-' or '_' (at most 200)");
        }
    }
}
