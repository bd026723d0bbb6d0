package dev.gatehouse.broker.config;

import java.util.List;

/** Which caller groups may use the web UI's views. */
public record RoleSettings(List<String> auditors, List<String> admins) {

    public RoleSettings {
        auditors = auditors == null ? List.of() : List.copyOf(auditors);
        admins = admins == null ? List.of() : List.copyOf(admins);
    }

    public static RoleSettings none() {
        return new RoleSettings(List.of(), List.of());
    }
}
