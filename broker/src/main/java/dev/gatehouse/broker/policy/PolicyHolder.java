package dev.gatehouse.broker.policy;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy set in force. A reload swaps in a whole new set at once, so every decision sees
 * either the old rules or the new ones, never a mix. Thread-safe.
 */
public final class PolicyHolder {

    private final AtomicReference<PolicySet> current;

    public PolicyHolder(PolicySet initial) {
        this.current = new AtomicReference<>(initial);
    }

    public PolicySet current() {
        return current.get();
    }

    public void replace(PolicySet next) {
        current.set(next);
    }
}
