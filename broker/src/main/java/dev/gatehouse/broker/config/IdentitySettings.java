package dev.gatehouse.broker.config;

import java.util.List;

/** The issuers whose tokens the broker trusts, for workloads and for web UI logins. */
public record IdentitySettings(List<IssuerSettings> issuers) {

    public IdentitySettings {
        issuers = issuers == null ? List.of() : List.copyOf(issuers);
    }

    public static IdentitySettings none() {
        return new IdentitySettings(List.of());
    }
}
