package dev.gatehouse.bench;

import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.dev.EmbeddedDatabase;
import dev.gatehouse.broker.dev.FreePort;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * What agent mode costs an allowed call: the same {@code tools/call} straight to the upstream, through a broker that
 * reaches it by URL, and through the same broker reaching it through a {@code gatehouse agent} (a Temporal relay
 * workflow and one activity on the agent's task queue), in one run. Broker and agent are {@code serve}/{@code agent}
 * processes of their own on one Temporal test server and one PostgreSQL.
 *
 * <p>Usage: {@code bin/bench agent [--concurrency 1,16] [--duration 8s] [--warmup 3s] [--jit-warmup 10s]}
 */
public final class AgentBenchmark {

    private static final String AGENT_QUEUE = "bench-agents";
    private static final Duration START = Duration.ofSeconds(120);

    private AgentBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = ProxyBenchmark.options(args);
        int[] levels = Arrays.stream(options.getOrDefault("--concurrency", "1,16").split(",")).mapToInt(Integer::parseInt).toArray();
        Duration duration = ProxyBenchmark.seconds(options.getOrDefault("--duration", "8s"));
        Duration warmup = ProxyBenchmark.seconds(options.getOrDefault("--warmup", "3s"));
        Duration jitWarmup = ProxyBenchmark.seconds(options.getOrDefault("--jit-warmup", "10s"));
        Path dir = Files.createTempDirectory("gatehouse-bench-agent");
        List<String> jvm = List.of("-Xmx512m");

        CompletableFuture<EmbeddedDatabase> postgres = CompletableFuture.supplyAsync(EmbeddedDatabase::start);
        try (TemporalServerProcess temporal = TemporalServerProcess.start("512m");
             EmbeddedDatabase database = postgres.join();
             DemoUpstream upstream = DemoUpstream.start(0);
             BenchIssuer issuer = BenchIssuer.start()) {
            int port = FreePort.pick();
            String publicUrl = "http://127.0.0.1:" + port;
            Path agentConfig = Files.writeString(dir.resolve("agent.yaml"), """
                    agent: { taskQueue: %s }
                    upstreams:
                      - name: crm-via-agent
                        url: %s
                    temporal: { target: %s, namespace: default, payloadKey: "%s" }
                    """.formatted(AGENT_QUEUE, upstream.url(), temporal.target(), GatehouseProcess.PAYLOAD_KEY));
            Path brokerConfig = Files.writeString(dir.resolve("gatehouse.yaml"), """
                    server: { port: %d, host: 127.0.0.1, publicUrl: %s }
                    identity:
                      issuers:
                        - issuer: %s
                          groupsClaim: groups
                    upstreams:
                      - name: crm
                        url: %s
                      - name: crm-via-agent
                        agent: { taskQueue: %s }
                    policies:
                      - name: benchmark agents search
                        tools: ["search_*"]
                        groups: [agents]
                        action: allow
                        mask: default
                    storage:
                      postgres: { url: "%s", user: postgres, password: "" }
                    temporal: { target: %s, namespace: default, payloadKey: "%s" }
                    """.formatted(port, publicUrl, issuer.issuer(), upstream.url(), AGENT_QUEUE, database.jdbcUrl(), temporal.target(),
                    GatehouseProcess.PAYLOAD_KEY));
            try (GatehouseProcess agent = GatehouseProcess.agent("agent", agentConfig, jvm, dir.resolve("agent.log"));
                 GatehouseProcess broker = GatehouseProcess.start("broker", brokerConfig, jvm, dir.resolve("broker.log"))) {
                agent.awaitReady(START);
                broker.awaitReady(START);
                int callers = Math.max(16, Arrays.stream(levels).max().orElse(1));
                List<String> tokens = IntStream.range(0, callers)
                        .mapToObj(i -> issuer.token("bench-" + i, publicUrl + "/mcp", List.of("agents"))).toList();
                URI direct = upstream.url();
                URI brokered = URI.create(publicUrl + "/mcp/crm");
                URI viaAgent = URI.create(publicUrl + "/mcp/crm-via-agent");
                System.out.printf("Gatehouse agent-mode benchmark: tools/call search_customers (no upstream work), %d CPUs, %d s per"
                        + " phase after %d s warm-up, %s%n", Runtime.getRuntime().availableProcessors(), duration.toSeconds(),
                        warmup.toSeconds(), Runtime.version());
                if (!jitWarmup.isZero()) {
                    phase("jit", brokered, tokens, 8, Duration.ZERO, jitWarmup.dividedBy(2));
                    phase("jit", viaAgent, tokens, 8, Duration.ZERO, jitWarmup.dividedBy(2));
                }
                System.out.println();
                System.out.println("| path | concurrency | p50 ms | p99 ms | calls/s | errors |");
                System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
                for (int concurrency : levels) {
                    row("direct", concurrency, phase("direct", direct, null, concurrency, warmup, duration));
                    row("broker", concurrency, phase("broker", brokered, tokens, concurrency, warmup, duration));
                    row("broker + agent", concurrency, phase("agent", viaAgent, tokens, concurrency, warmup, duration));
                }
            }
            System.out.println();
            System.out.println("Logs: " + dir);
        }
        System.exit(0);
    }

    private static LatencyRecord phase(String name, URI endpoint, List<String> tokens, int concurrency, Duration warmup,
                                       Duration duration) throws Exception {
        return ClosedLoopLoad.phase(name, Collections.nCopies(concurrency, endpoint), tokens, ProxyBenchmark.SEARCH_CALL, concurrency, warmup, duration);
    }

    private static void row(String path, int concurrency, LatencyRecord r) {
        System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.0f | %d |%n", path, concurrency, r.percentileMillis(50),
                r.percentileMillis(99), r.throughput(), r.errors());
        String key = "agent." + path.replaceAll("[^a-z]+", "_") + ".c" + concurrency;
        BenchResults.record(key + ".p50_ms", r.percentileMillis(50));
        BenchResults.record(key + ".p99_ms", r.percentileMillis(99));
    }
}
