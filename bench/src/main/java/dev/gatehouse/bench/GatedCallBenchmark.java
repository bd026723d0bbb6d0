package dev.gatehouse.bench;

import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.dev.DevStack;
import dev.gatehouse.broker.policy.PolicyConfigCheck;
import dev.gatehouse.broker.recording.MaskingConfig;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * Approval-gated calls on the embedded dev stack (PostgreSQL, the in-memory Temporal server and the
 * broker in this JVM; as upstream a minimal in-process MCP server that answers at once and stamps when
 * calls reach it), in two parts:
 *
 * <ol>
 *   <li><b>overhead</b>: what the gated path adds once someone approves, one call at a time: from just
 *       before the decision is posted to the result reaching the client, less the upstream's own median
 *       time for the same tool (target: p50 at most 50 ms);</li>
 *   <li><b>held</b>: thousands of calls held at once (target: 10,000 with at most 1 GiB of heap and
 *       platform threads that do not grow with them), opened in steps by a load generator in a child JVM,
 *       so its sockets, threads and heap are not counted as the broker's; then a sample is approved and
 *       must complete.</li>
 * </ol>
 *
 * <p>Usage: {@code bin/bench gated [--calls 200] [--held 10000] [--mode overhead|held|both] [--warmup 30]
 * [--callers 10] [--window 64] [--clients 8] [--approve-sample 100] [--client-heap 2g] [--step-timeout 900s]
 * [--temporal process|embedded]}. With {@code process} (the default) the in-memory Temporal test server runs in a
 * JVM of its own, as a real cluster would be apart from the broker; {@code embedded} is the dev stack as shipped.
 * Exits non-zero when anything failed: a call not held, a held call lost, a wrong or missing result.
 * Missing a target is reported, not a failure.
 */
public final class GatedCallBenchmark {

    private static final double OVERHEAD_TARGET_MS = 50;
    private static final Duration STACK_STOP = Duration.ofSeconds(60);

    private GatedCallBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = ProxyBenchmark.options(args);
        String mode = options.getOrDefault("--mode", "both");
        if (!List.of("overhead", "held", "both").contains(mode)) {
            System.err.println("--mode must be overhead, held or both, not " + mode);
            System.exit(2);
        }
        int calls = Integer.parseInt(options.getOrDefault("--calls", "200"));
        int warmup = Integer.parseInt(options.getOrDefault("--warmup", "30"));
        int held = Integer.parseInt(options.getOrDefault("--held", "10000"));
        int callers = Integer.parseInt(options.getOrDefault("--callers", "10"));
        boolean temporalApart = !options.getOrDefault("--temporal", "process").equals("embedded");
        String nonce = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        List<String> failures = new ArrayList<>();
        List<String> summary = new ArrayList<>();

        System.out.printf("Gatehouse gated-call benchmark: %d CPUs, max heap %d MiB, open-file limit %s, %s%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                fdLimit().map(String::valueOf).orElse("unknown"), Runtime.version());
        if (!mode.equals("overhead")) {
            long needed = held + 1000L;
            Optional<Long> limit = fdLimit();
            if (limit.isPresent() && limit.get() < needed) {
                // Each held call is one socket in the broker's JVM and one in the load generator's; each JVM needs its share.
                System.err.printf("%d held calls need about %d open files in each JVM (one socket per call, plus the stack's own);"
                        + " the limit is %d. Raise it in this shell first: ulimit -n %d%n", held, needed, limit.get(), needed);
                System.exit(2);
            }
        }

        Path config = Files.createTempFile("gatehouse-bench-gated", ".yaml");
        try (StampingUpstream upstream = StampingUpstream.start()) {
            Files.writeString(config, """
                    upstreams:
                      - name: crm
                        url: %s
                    approvers:
                      dba: { members: [approver@example.com] }
                    gatedCalls: { maxPendingPerCaller: %d, replayWindow: 10m }
                    roles: { auditors: [security] }
                    policies:
                      - name: deleting customers needs a DBA
                        upstream: crm
                        tools: ["delete_*"]
                        action: approve
                        approval: { approvers: [dba], required: 1, timeout: 2h }
                      - name: the rest flows
                        upstream: crm
                        action: allow
                    """.formatted(upstream.url(), held + calls + warmup + 100));
            long starting = System.nanoTime();
            TemporalServerProcess temporalServer = temporalApart ? TemporalServerProcess.start("4g") : null;
            DevStack stack = DevStack.start(new DevStack.Options("127.0.0.1", 0, 0, Optional.of(config),
                            Optional.ofNullable(temporalServer).map(TemporalServerProcess::target), false),
                    new ConfigLoader(Map.<String, String>of()::get).withCheck(new PolicyConfigCheck()).withCheck(new MaskingConfig()));
            try (TemporalProbe temporal = new TemporalProbe(stack.temporalTarget(), "default")) {
                System.out.printf("dev stack up in %.1f s: broker %s, embedded PostgreSQL, in-memory Temporal test server %s%n",
                        (System.nanoTime() - starting) / 1e9, stack.brokerUrl(),
                        temporalApart ? "in a JVM of its own" : "in this JVM");
                URI base = URI.create(stack.brokerUrl().toString().replaceAll("/$", ""));
                URI mcp = URI.create(base + "/mcp/crm");
                URI api = URI.create(base + "/api");
                String approverToken = stack.issuer().issue("approver", List.of("approvers"), Optional.of("approver@example.com"));
                if (!mode.equals("held")) {
                    String agent = stack.issuer().issue("bench-agent", List.of("agents"), Optional.of("bench-agent@example.com"));
                    overhead(new GatedOverhead(mcp, api, upstream, temporal, agent, approverToken, nonce), warmup, calls, summary,
                            failures);
                }
                if (!mode.equals("overhead")) {
                    List<String> agents = IntStream.range(0, callers)
                            .mapToObj(i -> stack.issuer().issue("bench-held-" + i, List.of("agents"),
                                    Optional.of("bench-held-" + i + "@example.com")))
                            .toList();
                    new HeldCallsPhase(stack, temporal, mcp, api, agents, approverToken, nonce, options).run(held, summary, failures);
                }
            } finally {
                closeWithin(stack, STACK_STOP);
                if (temporalServer != null) {
                    temporalServer.close();
                }
            }
        } catch (Exception e) {
            failures.add("the run stopped: " + e);
            e.printStackTrace();
        } finally {
            Files.deleteIfExists(config);
        }

        System.out.println();
        System.out.println("== summary ==");
        summary.forEach(System.out::println);
        if (failures.isEmpty()) {
            System.out.println("no failures");
        } else {
            failures.forEach(f -> System.out.println("FAILED: " + f));
        }
        System.out.flush();
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    private static void overhead(GatedOverhead phase, int warmup, int calls, List<String> summary, List<String> failures)
            throws InterruptedException {
        System.out.printf("%n== engine overhead: %d calls one at a time after %d warm-up calls (delete_customer, approved via the API) ==%n",
                calls, warmup);
        GatedOverhead.Report report;
        try {
            report = phase.run(warmup, calls);
        } catch (IOException | RuntimeException e) {
            failures.add("overhead: " + e.getMessage());
            e.printStackTrace();
            return;
        }
        System.out.printf("%-52s %9s %9s %9s %9s%n", "", "p50 ms", "p95 ms", "p99 ms", "max ms");
        for (LatencyRecord r : report.rows()) {
            System.out.printf("%-52s %9.2f %9.2f %9.2f %9.2f%n", r.target(), r.percentileMillis(50), r.percentileMillis(95),
                    r.percentileMillis(99), r.percentileMillis(100));
        }
        System.out.println("""
                Timed at the client: t0 just before the decision is posted, the result when its SSE line arrives; each decision \
                is posted once
                the workflow has opened the approval (its first tasks done), as a person would decide seconds later at the \
                earliest. The upstream
                answers at once and stamps arrival and answer (same clock), which splits decision->result into before and after \
                the upstream.
                Decision->result includes the decision itself (a Temporal update), the workflow's activities (record, forward, \
                record, settle)
                and the result's way back through Temporal and the held stream. Temporal is the in-memory test server: no \
                persistence latency
                here; a real cluster adds its own. Upstream p50 is subtracted as a constant, not per call.""");
        double p50 = report.overhead().percentileMillis(50);
        BenchResults.record("gated.overhead_p50_ms", p50);
        BenchResults.record("gated.overhead_p95_ms", report.overhead().percentileMillis(95));
        BenchResults.record("gated.decision_to_result_p50_ms", report.decisionToResult().percentileMillis(50));
        summary.add(String.format(Locale.ROOT, "engine overhead p50 %.1f ms, p95 %.1f ms (decision->result p50 %.1f ms,"
                        + " of which before the upstream %.1f ms and after it %.1f ms; upstream p50 %.2f ms, decision API p50 %.1f ms,"
                        + " hold set-up p50 %.1f ms, held->workflow open p50 %.1f ms): target p50 <= %.0f ms %s",
                p50, report.overhead().percentileMillis(95), report.decisionToResult().percentileMillis(50),
                report.decisionToUpstream().percentileMillis(50), report.upstreamToResult().percentileMillis(50),
                report.upstreamDirect().percentileMillis(50), report.decisionApi().percentileMillis(50),
                report.holdSetUp().percentileMillis(50), report.workflowOpen().percentileMillis(50), OVERHEAD_TARGET_MS,
                p50 <= OVERHEAD_TARGET_MS ? "met" : "MISSED"));
    }

    /** The stack stops its held streams, Temporal and PostgreSQL; a stop that hangs must not keep the run from ending. */
    private static void closeWithin(AutoCloseable part, Duration limit) throws InterruptedException {
        Thread closer = Thread.ofPlatform().daemon().name("stop-dev-stack").start(() -> {
            try {
                part.close();
            } catch (Exception e) {
                System.err.println("stopping the dev stack failed: " + e);
            }
        });
        if (!closer.join(limit)) {
            System.err.println("the dev stack did not stop within " + limit.toSeconds() + " s; exiting anyway");
        }
    }

    /** The soft limit on open files of this process (Linux), which a child JVM inherits. */
    private static Optional<Long> fdLimit() {
        try {
            return Files.readAllLines(Path.of("/proc/self/limits")).stream()
                    .filter(line -> line.startsWith("Max open files"))
                    .map(line -> line.substring("Max open files".length()).trim().split("\\s+")[0])
                    .filter(value -> value.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
