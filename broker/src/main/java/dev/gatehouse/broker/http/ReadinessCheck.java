package dev.gatehouse.broker.http;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * One dependency {@code /readyz} checks, by name.
 *
 * @param required whether the broker can serve no call without it (PostgreSQL: every call is recorded); one that is
 *                 not required only degrades the broker while it is away (Temporal: allowed calls still flow, gated
 *                 ones are refused with a clear error), so a load balancer keeps sending traffic
 */
public record ReadinessCheck(String name, BooleanSupplier ready, boolean required) {
    public ReadinessCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ready, "ready");
    }
}
