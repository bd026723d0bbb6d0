package dev.gatehouse.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The broker's meters, exposed at {@code GET /metrics} in Prometheus's text format. Every label
 * value comes from configuration (upstreams, rule names) or a closed set (MCP methods, outcomes,
 * detectors): nothing a caller sends can mint new series, and no token, argument or secret is
 * ever a label. Thread-safe.
 */
public final class BrokerMetrics implements AutoCloseable {

    /** The MCP methods named as they are; anything else a caller sends is counted as {@code other}. */
    private static final Set<String> METHODS = Set.of("initialize", "ping", "tools/list", "tools/call", "resources/list",
            "resources/templates/list", "resources/read", "resources/subscribe", "resources/unsubscribe", "prompts/list",
            "prompts/get", "completion/complete", "logging/setLevel", "server/discover", "subscriptions/listen", "tasks/get",
            "tasks/result", "tasks/cancel", "tasks/list", "notifications/initialized", "notifications/cancelled",
            "notifications/progress", "notifications/roots/list_changed", "response");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public BrokerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gc.bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Where other modules register their own meters (the audit writer's). */
    public MeterRegistry registry() {
        return registry;
    }

    /** Everything, in Prometheus's text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * One request to {@code /mcp/<upstream>}, from its arrival to its answer (for a stream, its end).
     *
     * @param method  the JSON-RPC method, or the HTTP method for GET and DELETE
     * @param outcome {@code ok} or the refusal's reason, e.g. {@code policy_denied}, {@code upstream_timeout}
     */
    public void mcpRequest(String upstream, String method, String outcome, long nanos) {
        Timer.builder("gatehouse.mcp.requests")
                .description("requests to the MCP endpoint by upstream, MCP method and outcome")
                .tags("upstream", upstream, "method", method(method), "outcome", outcome)
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry)
                .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** A failure of the upstream, as the caller was told it ({@code upstream_unreachable}, {@code upstream_timeout}, …). */
    public void upstreamError(String upstream, String reason) {
        Counter.builder("gatehouse.upstream.errors").description("upstream failures by upstream and kind")
                .tags("upstream", upstream, "reason", reason).register(registry).increment();
    }

    /** The policy decided a call: {@code allowed}, {@code denied}, {@code approval-required} or {@code insufficient-scope}. */
    public void policyDecision(String rule, String outcome) {
        Counter.builder("gatehouse.policy.decisions").description("policy decisions by rule and outcome")
                .tags("rule", rule, "outcome", outcome).register(registry).increment();
    }

    /** Values masked in what was recorded, by detector (or custom rule name). */
    public void masked(Map<String, Integer> countsByDetector) {
        countsByDetector.forEach((detector, count) -> Counter.builder("gatehouse.masking.masked")
                .description("values masked by detector").baseUnit("values")
                .tags("detector", detector).register(registry).increment(count));
    }

    /** An approver decided: how long after the approval was asked for. */
    public void approvalDecision(String channel, String verdict, Duration sinceAsked) {
        Timer.builder("gatehouse.approval.decision.latency")
                .description("time from an approval being asked for to an approver's decision, by channel and verdict")
                .tags("channel", channel, "verdict", verdict.toLowerCase(Locale.ROOT))
                .publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofDays(1))
                .register(registry)
                .record(sinceAsked.isNegative() ? Duration.ZERO : sinceAsked);
    }

    /** A gauge read at each scrape, e.g. approvals pending or calls held. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    private static String method(String method) {
        if (method == null) {
            return "none";
        }
        if (method.equals("GET") || method.equals("DELETE") || method.equals("POST")) {
            return method;
        }
        return METHODS.contains(method) ? method : "other";
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
