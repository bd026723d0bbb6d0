package dev.gatehouse.bench;

import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.dev.EmbeddedDatabase;
import dev.gatehouse.broker.dev.FreePort;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * Allowed {@code tools/call} throughput through one broker and through two, in one run: two
 * {@code gatehouse serve} brokers, each a JVM of its own, sharing one PostgreSQL (embedded, durable commits)
 * and one Temporal (the test server, a JVM of its own), as replicas behind a load balancer do; the load
 * generator (this JVM) sends each caller's session to one broker, or spreads the callers round-robin over
 * both. The same fast path as {@code bin/bench proxy} (authentication, session binding, a CEL policy,
 * recording with group commit, masking); the upstream answers at once. For each phase it also reports what
 * the machine spent, so the table says whether CPU or PostgreSQL's commits bound it.
 *
 * <p>Usage: {@code bin/bench scaleout [--concurrency 16,64] [--duration 8s] [--warmup 3s] [--jit-warmup 15s]
 * [--broker-heap 512m]}; {@code --jit-warmup} is per broker, at the largest concurrency. Both brokers run throughout; in the one-broker phases the second only idles (its
 * Temporal pollers wait in long polls).
 */
public final class ScaleOutBenchmark {

    private static final Duration BROKER_START = Duration.ofSeconds(120);
    private static final int MIN_CALLERS = 16;

    private ScaleOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = ProxyBenchmark.options(args);
        int[] levels = Arrays.stream(options.getOrDefault("--concurrency", "16,64").split(",")).mapToInt(Integer::parseInt).toArray();
        Duration duration = ProxyBenchmark.seconds(options.getOrDefault("--duration", "8s"));
        Duration warmup = ProxyBenchmark.seconds(options.getOrDefault("--warmup", "3s"));
        Duration jitWarmup = ProxyBenchmark.seconds(options.getOrDefault("--jit-warmup", "15s"));
        List<String> brokerJvm = List.of("-Xmx" + options.getOrDefault("--broker-heap", "512m"));
        Path dir = Files.createTempDirectory("gatehouse-bench-scaleout");

        CompletableFuture<EmbeddedDatabase> postgres = CompletableFuture.supplyAsync(EmbeddedDatabase::start);
        try (TemporalServerProcess temporal = TemporalServerProcess.start("512m");
             EmbeddedDatabase database = postgres.join();
             DemoUpstream upstream = DemoUpstream.start(0);
             BenchIssuer issuer = BenchIssuer.start()) {
            int[] ports = {FreePort.pick(), FreePort.pick()};
            // One deployment: the public URL (and so the token audience) is the load balancer's, here the first broker's.
            String publicUrl = "http://127.0.0.1:" + ports[0];
            List<GatehouseProcess> brokers = new ArrayList<>();
            try {
                for (int i = 0; i < ports.length; i++) {
                    Path config = Files.writeString(dir.resolve("gatehouse-" + i + ".yaml"),
                            config(ports[i], publicUrl, issuer.issuer(), upstream.url(), database.jdbcUrl(), temporal.target()));
                    brokers.add(GatehouseProcess.start("broker-" + i, config, brokerJvm, dir.resolve("broker-" + i + ".log")));
                }
                for (GatehouseProcess broker : brokers) {
                    broker.awaitReady(BROKER_START);
                }
                run(brokers, ports, issuer, publicUrl + "/mcp", database.jdbcUrl(), levels, warmup, duration, jitWarmup);
            } finally {
                brokers.forEach(GatehouseProcess::close);
            }
            System.out.println();
            System.out.println("Broker logs: " + dir);
        }
        System.exit(0);
    }

    private static void run(List<GatehouseProcess> brokers, int[] ports, BenchIssuer issuer, String audience, String jdbcUrl, int[] levels,
                            Duration warmup, Duration duration, Duration jitWarmup) throws Exception {
        int callers = Math.max(MIN_CALLERS, Arrays.stream(levels).max().orElse(1));
        // One token per caller, as separate workloads would have: each broker verifies each once, then caches it.
        List<String> tokens = IntStream.range(0, callers).mapToObj(i -> issuer.token("bench-" + i, audience, List.of("agents"))).toList();
        List<URI> endpoints = Arrays.stream(ports).mapToObj(p -> URI.create("http://127.0.0.1:" + p + "/mcp/crm")).toList();
        ResourceMeter meter = new ResourceMeter(jdbcUrl, () -> brokers.stream().map(GatehouseProcess::cpu).toList());

        System.out.printf("Gatehouse scale-out benchmark: tools/call search_customers (no upstream work) through 1 and 2 serve brokers"
                + " on one PostgreSQL and one Temporal; %d CPUs, %d s per phase after %d s warm-up, %s%n",
                Runtime.getRuntime().availableProcessors(), duration.toSeconds(), warmup.toSeconds(), Runtime.version());
        if (!jitWarmup.isZero()) {
            // Each broker's hot path compiled before anything is measured (see ProxyBenchmark), each alone at full load for
            // the same time: the second broker, idle in the one-broker phases, would otherwise be measured colder than the first.
            for (URI endpoint : endpoints) {
                ClosedLoopLoad.phase("jit", spread(List.of(endpoint), 1, callers), tokens, ProxyBenchmark.SEARCH_CALL, callers, Duration.ZERO, jitWarmup);
            }
        }
        String loadBefore = Machine.loadAverage();
        List<String> rows = new ArrayList<>();
        for (int concurrency : levels) {
            double one = Double.NaN;
            for (int brokerCount = 1; brokerCount <= endpoints.size(); brokerCount++) {
                List<URI> perCaller = spread(endpoints, brokerCount, concurrency);
                ResourceMeter.Reading[] at = new ResourceMeter.Reading[2];
                // The meter reads when the measured window opens and closes (warm-up excluded), from the load's own clock.
                CompletableFuture<Void> metering = CompletableFuture.runAsync(() -> {
                    sleepQuietly(warmup);
                    at[0] = meter.read();
                    sleepQuietly(duration);
                    at[1] = meter.read();
                });
                LatencyRecord r = ClosedLoopLoad.phase(brokerCount + " broker" + (brokerCount == 1 ? "" : "s"), perCaller, tokens,
                        ProxyBenchmark.SEARCH_CALL, concurrency, warmup, duration);
                metering.join();
                ResourceMeter.Spend spend = ResourceMeter.spent(at[0], at[1], r.sortedNanos().length);
                if (brokerCount == 1) {
                    one = r.throughput();
                }
                String key = "scaleout.b" + brokerCount + ".c" + concurrency;
                BenchResults.record(key + ".calls_per_s", r.throughput());
                BenchResults.record(key + ".p50_ms", r.percentileMillis(50));
                BenchResults.record(key + ".p99_ms", r.percentileMillis(99));
                BenchResults.record(key + ".ratio", r.throughput() / one);
                rows.add(String.format("| %d | %d | %.0f | %.2f | %.2f | %.2f | %d | %.0f %% | %.2f | %s | %.2f | %.2f |",
                        brokerCount, concurrency, r.throughput(), r.percentileMillis(50), r.percentileMillis(99), r.throughput() / one,
                        r.errors(), spend.machineBusy() * 100, spend.brokersCpuMsPerCall(),
                        meter.seesPostgres() ? String.format("%.2f", spend.postgresCpuMsPerCall()) : "n/a",
                        spend.loadCpuMsPerCall(), spend.commitsPerCall()));
                System.out.println(rows.getLast());
            }
        }
        System.out.println();
        System.out.println("| brokers | concurrency | calls/s | p50 ms | p99 ms | ratio vs one | errors | machine CPU busy"
                + " | brokers' CPU ms/call | PostgreSQL CPU ms/call | load generator CPU ms/call | PG transactions/call |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.forEach(System.out::println);
        System.out.printf("%nMachine CPU busy is of all %d CPUs and counts anything else running on the machine (load average"
                + " before the phases %s, after %s). PG transactions are pg_stat_database's xact_commit: mostly the audit writer's group"
                + " commits, whose batches each broker fills only from its own calls.%n",
                Runtime.getRuntime().availableProcessors(), loadBefore, Machine.loadAverage());
    }

    /** The endpoint of each of {@code callers}: round-robin over the first {@code brokers}. */
    private static List<URI> spread(List<URI> endpoints, int brokers, int callers) {
        return IntStream.range(0, callers).mapToObj(i -> endpoints.get(i % brokers)).toList();
    }

    /** The serve configuration of one replica: the same policy as {@code bin/bench proxy}, the same for every replica but the port. */
    private static String config(int port, String publicUrl, String issuer, URI upstream, String jdbcUrl, String temporal) {
        return """
                server:
                  port: %d
                  host: 127.0.0.1
                  publicUrl: %s
                identity:
                  issuers:
                    - issuer: %s
                      groupsClaim: groups
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
                storage:
                  postgres: { url: "%s", user: postgres, password: "" }
                temporal:
                  target: %s
                  namespace: default
                  payloadKey: "%s"
                """.formatted(port, publicUrl, issuer, upstream, jdbcUrl, temporal, GatehouseProcess.PAYLOAD_KEY);
    }

    /** Paces the meter's two readings (not a synchronisation: the load's phase has its own clock). */
    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
