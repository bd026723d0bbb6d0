package dev.gatehouse.broker.config;

import java.util.List;

/**
 * A check another feature runs on a loaded configuration (the policy engine compiles CEL
 * conditions here), reporting problems at the key they concern so they carry file and line.
 */
@FunctionalInterface
public interface ConfigCheck {

    List<ConfigProblem> check(GatehouseConfig config, Locator at);

    /** Builds a problem located at {@code key} (e.g. {@code policies[2].when}). */
    @FunctionalInterface
    interface Locator {
        ConfigProblem problem(String key, String message);
    }
}
