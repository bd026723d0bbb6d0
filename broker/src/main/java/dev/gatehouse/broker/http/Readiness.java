package dev.gatehouse.broker.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code /readyz} answers: 200 {@code ready} when every check passes, 200 {@code degraded} when only checks
 * that are not required fail, 503 {@code not ready} when a required one does.
 */
record Readiness(int status, String summary, Map<String, String> checks) {

    static Readiness of(List<ReadinessCheck> checks) {
        Map<String, String> results = new LinkedHashMap<>();
        boolean required = true;
        boolean all = true;
        for (ReadinessCheck check : checks) {
            boolean ok;
            try {
                ok = check.ready().getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            results.put(check.name(), ok ? "ready" : "unavailable");
            all &= ok;
            required &= ok || !check.required();
        }
        return new Readiness(required ? 200 : 503, !required ? "not ready" : all ? "ready" : "degraded", Map.copyOf(results));
    }

    Map<String, Object> body() {
        return Map.of("status", summary, "checks", new java.util.TreeMap<>(checks));
    }
}
