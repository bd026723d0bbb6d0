package dev.gatehouse.broker.http;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/** One dependency {@code /readyz} checks, by name. */
public record ReadinessCheck(String name, BooleanSupplier ready) {
    public ReadinessCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ready, "ready");
    }
}
