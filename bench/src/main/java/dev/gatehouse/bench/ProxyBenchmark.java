package dev.gatehouse.bench;

import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.dev.DevStack;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fast-path benchmark: the same {@code tools/call} load, at several concurrency levels,
 * straight at the upstream and through the broker (authentication, session binding, policy,
 * recording with durable commits and masking on),
 * in one run on one machine, so the ratio is meaningful even where absolute times are not.
 *
 * <p>Usage: {@code bin/bench [--concurrency 1,16,64] [--duration 8s] [--warmup 3s] [--jit-warmup 15s] [--work-ms 0]}. With
 * {@code --work-ms 0} the upstream answers at once, so on a small machine the run measures how much
 * CPU the extra hop takes from the upstream; a positive value makes each call wait that long
 * upstream, as real tools do, and measures the latency the broker adds to such calls.
 */
public final class ProxyBenchmark {

    /** The allowed call every fast-path benchmark makes: a read the demo upstream answers at once. */
    static final String SEARCH_CALL = """
            {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_customers","arguments":{"query":"a"}}}""";

    /** A tool that waits {@code delayMs} like a real one waiting on its database or API. */
    private static final String WORK_CALL = """
            {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"export_report","arguments":{"steps":1,"delayMs":%d}}}""";

    private static final int JIT_WARMUP_CONCURRENCY = 16;

    private ProxyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int[] levels = Arrays.stream(options.getOrDefault("--concurrency", "1,16,64").split(",")).mapToInt(Integer::parseInt).toArray();
        Duration duration = seconds(options.getOrDefault("--duration", "8s"));
        Duration warmup = seconds(options.getOrDefault("--warmup", "3s"));
        int workMs = Integer.parseInt(options.getOrDefault("--work-ms", "0"));
        String call = workMs == 0 ? SEARCH_CALL : WORK_CALL.formatted(workMs);

        try (DemoUpstream upstream = DemoUpstream.start(0)) {
            Path config = Files.createTempFile("gatehouse-bench", ".yaml");
            Files.writeString(config, """
                    upstreams:
                      - name: crm
                        url: %s
                    policies:
                      # Evaluated (and not matching) on every call, so the run pays for CEL like a real policy would.
                      - name: huge requests are never automatic
                        upstream: crm
                        when: "has(args.steps) && args.steps > 40 || has(args.limit) && args.limit > 1000"
                        action: deny
                        reason: too big
                      - name: benchmark agents call the crm
                        upstream: crm
                        tools: ["search_*", "export_*"]
                        groups: [agents]
                        action: allow
                        mask: default
                    """.formatted(upstream.url()));
            try (DevStack stack = DevStack.start(new DevStack.Options("127.0.0.1", 0, 0, Optional.of(config)),
                    new ConfigLoader(Map.<String, String>of()::get))) {
                // One token per caller, as separate workloads would have: each is verified once, then cached.
                // Enough callers for the largest level and for the JIT warm-up (16).
                List<String> tokens = java.util.stream.IntStream.range(0, Math.max(JIT_WARMUP_CONCURRENCY, Arrays.stream(levels).max().orElse(1)))
                        .mapToObj(i -> stack.issuer().issue("bench-" + i, List.of("agents"), Optional.empty()))
                        .toList();
                URI direct = upstream.url();
                URI brokered = URI.create(stack.brokerUrl() + "/mcp/crm");
                System.out.printf("Gatehouse fast-path benchmark: tools/call %s, %d s per phase after %d s warm-up%n",
                        workMs == 0 ? "search_customers (no upstream work)" : "export_report (" + workMs + " ms upstream work)",
                        duration.toSeconds(), warmup.toSeconds());
                // The JIT compiles the hot path only after some ten thousand calls; a few seconds at one caller
                // never get there, and the run would measure the interpreter. Warm both paths up under load first.
                Duration jitWarmup = seconds(options.getOrDefault("--jit-warmup", "15s"));
                if (!jitWarmup.isZero()) {
                    phase("direct", direct, null, call, JIT_WARMUP_CONCURRENCY, Duration.ZERO, jitWarmup.dividedBy(2));
                    phase("broker", brokered, tokens, call, JIT_WARMUP_CONCURRENCY, Duration.ZERO, jitWarmup.dividedBy(2));
                }
                System.out.printf("%-8s %-6s %10s %10s %10s %12s %7s%n", "target", "conc", "p50 ms", "p99 ms", "max ms", "calls/s", "errors");
                List<String> summary = new ArrayList<>();
                for (int concurrency : levels) {
                    LatencyRecord d = phase("direct", direct, null, call, concurrency, warmup, duration);
                    LatencyRecord b = phase("broker", brokered, tokens, call, concurrency, warmup, duration);
                    print(d);
                    print(b);
                    BenchResults.record("fast.c" + concurrency + ".direct_p50_ms", d.percentileMillis(50));
                    BenchResults.record("fast.c" + concurrency + ".direct_p99_ms", d.percentileMillis(99));
                    BenchResults.record("fast.c" + concurrency + ".added_p50_ms", b.percentileMillis(50) - d.percentileMillis(50));
                    BenchResults.record("fast.c" + concurrency + ".added_p99_ms", b.percentileMillis(99) - d.percentileMillis(99));
                    BenchResults.record("fast.c" + concurrency + ".direct_calls_per_s", d.throughput());
                    BenchResults.record("fast.c" + concurrency + ".broker_calls_per_s", b.throughput());
                    BenchResults.record("fast.c" + concurrency + ".errors", b.errors() + d.errors());
                    summary.add(String.format("concurrency %3d: added p50 %+.2f ms, added p99 %+.2f ms, throughput broker/direct %.2f",
                            concurrency, b.percentileMillis(50) - d.percentileMillis(50),
                            b.percentileMillis(99) - d.percentileMillis(99), b.throughput() / d.throughput()));
                }
                System.out.println();
                summary.forEach(System.out::println);
            }
            Files.deleteIfExists(config);
        }
        System.exit(0);
    }

    private static void print(LatencyRecord r) {
        System.out.printf("%-8s %-6d %10.2f %10.2f %10.2f %12.0f %7d%n", r.target(), r.concurrency(),
                r.percentileMillis(50), r.percentileMillis(99), r.percentileMillis(100), r.throughput(), r.errors());
    }

    /** One phase: {@code concurrency} callers, each with its own MCP session, calling {@code endpoint} in a closed loop. */
    /** @param tokens one per caller, or null for the upstream directly */
    private static LatencyRecord phase(String name, URI endpoint, List<String> tokens, String call, int concurrency,
                                       Duration warmup, Duration duration) throws Exception {
        return ClosedLoopLoad.phase(name, java.util.Collections.nCopies(concurrency, endpoint), tokens, call, concurrency,
                warmup, duration);
    }

    /** A duration option such as {@code 8s}. */
    static Duration seconds(String value) {
        return Duration.ofSeconds(Long.parseLong(value.replace("s", "")));
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        return options;
    }
}
