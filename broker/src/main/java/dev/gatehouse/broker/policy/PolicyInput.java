package dev.gatehouse.broker.policy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a policy decides on: who calls ({@code sub}, {@code email}, {@code groups}, all token
 * {@code claims}), which upstream, which tool (or resource URI, or prompt name) and with which
 * arguments. These are the CEL variables {@code caller}, {@code upstream}, {@code tool}, {@code args}.
 */
public record PolicyInput(Caller caller, String upstream, Target target, String tool, Map<String, Object> args) {

    /** What kind of thing the call uses; {@code tool} names it (a tool name, a resource URI, a prompt name). */
    public enum Target { TOOL, RESOURCE, PROMPT }

    /** A {@code tools/call}. */
    public PolicyInput(Caller caller, String upstream, String tool, Map<String, Object> args) {
        this(caller, upstream, Target.TOOL, tool, args);
    }

    /** The caller as policies see it; {@code email} is empty when the token has none. */
    public record Caller(String sub, String email, List<String> groups, Map<String, Object> claims) {
        public Caller {
            Objects.requireNonNull(sub, "sub");
            email = email == null ? "" : email;
            groups = List.copyOf(groups);
            // Tokens may carry null claims, which Map.copyOf refuses.
            claims = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(claims));
        }

        /** OAuth scopes granted by the token: the {@code scope} claim (space-separated) and {@code scp} (list or string). */
        java.util.Set<String> scopes() {
            java.util.Set<String> scopes = new java.util.LinkedHashSet<>();
            for (String claim : List.of("scope", "scp")) {
                Object value = claims.get(claim);
                if (value instanceof String s) {
                    scopes.addAll(java.util.Arrays.asList(s.trim().split("\\s+")));
                } else if (value instanceof java.util.Collection<?> values) {
                    values.forEach(v -> scopes.add(String.valueOf(v)));
                }
            }
            scopes.remove("");
            return scopes;
        }

        Map<String, Object> asCel() {
            return Map.of("sub", sub, "email", email, "groups", groups, "claims", claims);
        }
    }

    public PolicyInput {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(tool, "tool");
        args = args == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(args));
    }
}
