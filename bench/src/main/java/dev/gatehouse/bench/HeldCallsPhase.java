package dev.gatehouse.bench;

import dev.gatehouse.broker.dev.DevStack;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Part 2 of {@link GatedCallBenchmark}, the broker's side: a {@link HeldCallLoad} child JVM holds
 * calls in steps; after each step this JVM waits for the engine to open the newest approvals, checks
 * PostgreSQL's count of pending approvals against the client's count of held calls, and takes its own
 * footprint; at the end a sample is approved and must complete. Not thread-safe; one run.
 */
record HeldCallsPhase(DevStack stack, TemporalProbe temporal, URI mcp, URI api, List<String> agents, String approverToken,
                      String nonce, Map<String, String> options) {

    private static final double HEAP_TARGET_MIB = 1024;
    private static final int THREAD_BUDGET = 64;

    void run(int held, List<String> summary, List<String> failures) throws Exception {
        int window = Integer.parseInt(options.getOrDefault("--window", "64"));
        int clients = Integer.parseInt(options.getOrDefault("--clients", "8"));
        int sample = Math.min(held, Integer.parseInt(options.getOrDefault("--approve-sample", "100")));
        Duration stepTimeout = Duration.ofSeconds(Long.parseLong(options.getOrDefault("--step-timeout", "900s").replace("s", "")));
        List<Integer> steps = new ArrayList<>(new TreeSet<>(List.of(held / 10, held / 4, held / 2, held)));
        steps.removeIf(n -> n <= 0);

        System.out.printf("%n== held calls: steps %s; load generator in a child JVM, %d callers, %d clients, %d calls set up at a time ==%n",
                steps.stream().map(String::valueOf).collect(Collectors.joining(", ", "0, ", "")), agents.size(), clients, window);
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "postgres", "");
             LoadProcess load = LoadProcess.start(
                     List.of("-Xmx" + options.getOrDefault("--client-heap", "2g")),
                     List.of("--mcp", mcp.toString(), "--api", api.toString(), "--clients", String.valueOf(clients),
                             "--window", String.valueOf(window), "--nonce", nonce),
                     Map.of("GATEHOUSE_BENCH_AGENT_TOKENS", String.join(",", agents),
                             "GATEHOUSE_BENCH_APPROVER_TOKEN", approverToken))) {
            LoadProcess.Reply ready = load.await(Duration.ofSeconds(60));
            System.out.printf("load generator: pid %s, %s MCP sessions (one per caller)%n", ready.get("pid"), ready.get("callers"));
            int pendingBefore = pending(db);
            JvmCensus.resetPeak();
            JvmCensus baseline = JvmCensus.take();
            System.out.printf("%7s %6s %6s %7s %7s %6s %6s %6s %9s %7s %7s %6s %6s %6s %7s %6s  %s%n", "held", "step", "held", "set-up",
                    "set-up", "open", "open", "behind", "heap MiB", "threads", "Tserver", "others", "peak", "fds", "pending", "client",
                    "platform threads grown since baseline");
            System.out.printf("%7s %6s %6s %7s %7s %6s %6s %6s %9s %7s %7s %6s %6s %6s %7s %6s%n", "", "s", "/s", "p50 ms", "p99 ms",
                    "p50 s", "max s", "s", "after GC", "", "", "", "", "", "(PG)", "fds");
            row(0, Double.NaN, Double.NaN, null, null, Double.NaN, baseline, pendingBefore, "-", "(baseline: stack started, nothing held)");
            JvmCensus last = baseline;
            int previous = 0;
            Set<String> seen = new HashSet<>(pendingIds(db));
            for (int step : steps) {
                JvmCensus.resetPeak();
                LoadProcess.Reply opened = load.command("open " + step + " " + stepTimeout.toSeconds(), stepTimeout.plusSeconds(30));
                long allHeld = System.nanoTime();
                int nowHeld = opened.integer("held");
                List<String> stepIds = pendingIds(db).stream().filter(id -> !seen.contains(id)).toList();
                seen.addAll(stepIds);
                int pendingNow = pending(db) - pendingBefore;
                if (opened.error() != null || nowHeld != step || opened.integer("lost") > 0 || pendingNow != step) {
                    failures.add("held calls at step " + step + ": " + nowHeld + " held, " + pendingNow + " pending in PostgreSQL, "
                            + opened.get("failed") + " not held, " + opened.get("lost") + " lost: "
                            + Optional.ofNullable(opened.error()).orElse("the counts differ"));
                    return;
                }
                // The caller is told it waits as soon as the call is held; the workflow opens the approval later, when the
                // worker gets to it. Until then a decision on it is refused ("not open for decisions yet").
                long[] openLags;
                try {
                    openLags = temporal.awaitAllOpen(stepIds, stepTimeout);
                } catch (IllegalStateException e) {
                    failures.add("held calls at step " + step + ": " + e.getMessage());
                    return;
                }
                double behind = (System.nanoTime() - allHeld) / 1e9;
                last = JvmCensus.take();
                double seconds = opened.decimal("seconds");
                row(nowHeld, seconds, (nowHeld - previous) / seconds, opened, LatencyRecord.of("open", 1, openLags, 1, 0), behind,
                        last, pendingNow, opened.get("fds"), last.grownSince(baseline, 3));
                previous = nowHeld;
            }
            System.out.println("""
                    set-up: POST of the call -> its first event naming the approval, with the window's calls in flight. open: \
                    how long after its
                    workflow started each approval of the step was opened (its first tasks done; Temporal's event times): until \
                    then the caller is
                    told it waits and the inbox lists it, but a decision on it is refused. behind: from the step's last call held \
                    to all of its
                    approvals open. heap, threads and fds are this JVM's: the broker, the in-memory Temporal test server holding \
                    every workflow,
                    the embedded PostgreSQL's JDBC side and the upstream, so the heap is an upper bound on the broker's share. \
                    Tserver: platform
                    threads running the test server's code (dev stack only: a real Temporal server is another process); others: \
                    the rest.
                    The load generator (client sockets, its threads and heap) is the child JVM; its fds are shown apart. Virtual \
                    threads, which
                    the broker runs each request on, are not counted. Peak is within the step.""");
            last.mostGrownSince(baseline).ifPresent(group -> System.out.println(
                    "most grown thread group, one of its threads: " + JvmCensus.sampleStack(group, 8)));
            System.out.println("what the heap holds with " + previous + " calls held (live objects, top classes; the in-memory"
                    + " Temporal test server's are io.temporal.internal.testservice.* and much of the protobuf):");
            JvmCensus.heapHistogram(15).forEach(line -> System.out.println("  " + line));

            LoadProcess.Reply approved = load.command("approve " + sample + " 120", Duration.ofSeconds(150));
            System.out.printf("approved a sample of %d of the %d held: %s completed, %s failed, decision->result p50 %s ms, max %s ms;"
                            + " %s still held, %s lost%n", sample, held, approved.get("completed"), approved.get("failed"),
                    approved.get("d2r_p50_ms"), approved.get("d2r_max_ms"), approved.get("still_held"), approved.get("lost"));
            if (approved.error() != null || approved.integer("completed") != sample || approved.integer("lost") > 0
                    || approved.integer("still_held") != held - sample) {
                failures.add("approving " + sample + " of the held calls: " + approved.fields());
            }
            summarize(held, baseline, last, summary);
        }
    }

    private static void row(int held, double seconds, double perSecond, LoadProcess.Reply opened, LatencyRecord open, double behind,
                            JvmCensus c, int pending, String clientFds, String note) {
        System.out.printf(Locale.ROOT, "%7d %6s %6s %7s %7s %6s %6s %6s %9.1f %7d %7d %6d %6d %6d %7d %6s  %s%n", held, number(seconds, 1),
                number(perSecond, 0), opened == null ? "-" : number(opened.decimal("setup_p50_ms"), 0),
                opened == null ? "-" : number(opened.decimal("setup_p99_ms"), 0),
                open == null ? "-" : number(open.percentileMillis(50) / 1000, 1),
                open == null ? "-" : number(open.percentileMillis(100) / 1000, 1), number(behind, 1), c.heapMib(), c.threads(),
                c.testServerThreads(), c.otherThreads(), c.peakThreads(), c.fds(), pending, clientFds, note);
    }

    private static String number(double value, int decimals) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static void summarize(int held, JvmCensus baseline, JvmCensus last, List<String> summary) {
        // The broker's own: the in-memory Temporal test server parks a platform thread on each waiting long poll (one per
        // held call, the broker's wait for its result), which a real Temporal server, another process, does not cost the broker.
        int grown = last.otherThreads() - baseline.otherThreads();
        int grownTestServer = last.testServerThreads() - baseline.testServerThreads();
        // "Not growing with held calls": a fixed budget over the baseline, whatever the number held; the table shows the trend.
        boolean flat = grown <= THREAD_BUDGET;
        BenchResults.record("held.count", held);
        BenchResults.record("held.heap_mib", last.heapMib());
        BenchResults.record("held.baseline_heap_mib", baseline.heapMib());
        BenchResults.record("held.threads_grown", grown);
        BenchResults.record("held.thread_budget", THREAD_BUDGET);
        summary.add(String.format(Locale.ROOT, "%d held calls: heap %.0f MiB after GC (baseline %.0f MiB, +%.1f KiB per held call),"
                        + " target <= %.0f MiB %s", held, last.heapMib(), baseline.heapMib(),
                (last.heapUsedBytes() - baseline.heapUsedBytes()) / 1024.0 / held, HEAP_TARGET_MIB,
                last.heapMib() <= HEAP_TARGET_MIB ? "met" : "MISSED"));
        summary.add(String.format(Locale.ROOT, "%d held calls: %d platform threads besides the in-memory Temporal test server's"
                        + " (baseline %d, %+d, budget +%d): %s; the test server's own: %d (%+d); grown groups: %s", held,
                last.otherThreads(), baseline.otherThreads(), grown, THREAD_BUDGET,
                flat ? "flat, target met" : "GROW with held calls, target MISSED",
                last.testServerThreads(), grownTestServer, last.grownSince(baseline, 5)));
    }

    private static List<String> pendingIds(Connection db) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (var statement = db.createStatement();
             ResultSet rs = statement.executeQuery("select id from audit_approval where status = 'pending'")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static int pending(Connection db) throws SQLException {
        try (var statement = db.createStatement();
             ResultSet rs = statement.executeQuery("select count(*) from audit_approval where status = 'pending'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
