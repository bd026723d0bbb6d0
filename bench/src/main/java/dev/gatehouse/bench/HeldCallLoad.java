package dev.gatehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load generator of the held-calls phase, run in its own JVM by {@link GatedCallBenchmark} so
 * that its sockets, threads and heap are not the broker's: it opens approval-gated calls and keeps
 * them held, approves a sample, and answers its parent's commands on stdin with one
 * {@code gated-load ...} line each on stdout:
 *
 * <pre>
 *   open TOTAL TIMEOUT_S    hold calls until TOTAL are held (each a distinct call)
 *   approve N TIMEOUT_S     approve N held calls through the decisions API and check their results
 *   quit
 * </pre>
 *
 * <p>A held call whose stream ends before it was approved is <em>lost</em>; every reply counts them.
 * Tokens come in the environment ({@code GATEHOUSE_BENCH_AGENT_TOKENS}, comma-separated, one per caller,
 * and {@code GATEHOUSE_BENCH_APPROVER_TOKEN}), not on the command line. Not thread-safe: one command at a time.
 */
public final class HeldCallLoad {

    static final String REPLY = "gated-load ";

    /** A call held and not yet approved, with the session it was made in. */
    private record Held(HeldCall call, String approvalId, String customer) {
    }

    private final List<HttpClient> clients;
    private final URI mcp;
    private final URI api;
    private final List<String> agentTokens;
    private final List<String> sessions;
    private final String approverToken;
    private final String nonce;
    private final int window;
    private final ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicReference<String> firstLoss = new AtomicReference<>();
    private int opened;

    private HeldCallLoad(List<HttpClient> clients, URI mcp, URI api, List<String> agentTokens, List<String> sessions,
                         String approverToken, String nonce, int window) {
        this.clients = clients;
        this.mcp = mcp;
        this.api = api;
        this.agentTokens = agentTokens;
        this.sessions = sessions;
        this.approverToken = approverToken;
        this.nonce = nonce;
        this.window = window;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = ProxyBenchmark.options(args);
        URI mcp = URI.create(required(options, "--mcp"));
        URI api = URI.create(required(options, "--api"));
        int clientCount = Integer.parseInt(options.getOrDefault("--clients", "8"));
        int window = Integer.parseInt(options.getOrDefault("--window", "64"));
        String nonce = required(options, "--nonce");
        List<String> agentTokens = Arrays.asList(env("GATEHOUSE_BENCH_AGENT_TOKENS").split(","));
        String approverToken = env("GATEHOUSE_BENCH_APPROVER_TOKEN");

        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < clientCount; i++) {
            clients.add(McpWire.client());
        }
        List<String> sessions = new ArrayList<>();
        for (String token : agentTokens) {
            sessions.add(McpWire.initialize(clients.getFirst(), mcp, token));
        }
        HeldCallLoad load = new HeldCallLoad(clients, mcp, api, agentTokens, sessions, approverToken, nonce, window);
        reply("ready callers=" + sessions.size() + " clients=" + clients.size() + " pid=" + ProcessHandle.current().pid());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        int status = 0;
        while ((line = in.readLine()) != null) {
            String[] command = line.trim().split("\\s+");
            try {
                switch (command[0]) {
                    case "open" -> load.open(Integer.parseInt(command[1]), Long.parseLong(command[2]));
                    case "approve" -> load.approve(Integer.parseInt(command[1]), Long.parseLong(command[2]));
                    case "quit" -> {
                        clients.forEach(HttpClient::shutdownNow);
                        reply("bye");
                        System.exit(status);
                    }
                    default -> reply("error unknown command: " + line);
                }
            } catch (RuntimeException e) {
                status = 1;
                reply("error " + HeldCall.oneLine(String.valueOf(e)));
            }
        }
        // The parent went away without saying quit: nothing to report to.
        clients.forEach(HttpClient::shutdownNow);
        System.exit(1);
    }

    /** Opens calls, at most {@code window} being set up at once, until {@code total} are held or one fails. */
    private void open(int total, long timeoutSeconds) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Semaphore settingUp = new Semaphore(window);
        List<CompletableFuture<?>> step = new ArrayList<>();
        long[] setUpNanos = new long[Math.max(0, total - opened)];
        AtomicInteger measured = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicInteger failed = new AtomicInteger();
        // The calls held last are the workflows started last: once they are open, the engine has caught up.
        ConcurrentLinkedQueue<String> newest = new ConcurrentLinkedQueue<>();
        while (opened < total && failure.get() == null) {
            if (!settingUp.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                failure.compareAndSet(null, "timed out after " + timeoutSeconds + " s with " + held.size() + " calls held");
                break;
            }
            int n = opened++;
            int caller = n % sessions.size();
            String customer = "held-" + nonce + "-" + n;
            String id = "h" + n;
            HeldCall call = HeldCall.open(clients.get(n % clients.size()),
                    McpWire.deleteCustomer(mcp, agentTokens.get(caller), sessions.get(caller), id, customer), id);
            step.add(call.approval().whenComplete((arrival, error) -> {
                settingUp.release();
                if (error != null) {
                    failed.incrementAndGet();
                    failure.compareAndSet(null, "call " + id + " was not held: " + HeldCall.oneLine(String.valueOf(error.getMessage())));
                    return;
                }
                int slot = measured.getAndIncrement();
                if (slot < setUpNanos.length) {
                    setUpNanos[slot] = arrival.nanos() - call.sentNanos();
                }
                Held h = new Held(call, arrival.value(), customer);
                held.add(h);
                newest.add(arrival.value());
                call.ended().thenRun(() -> {
                    // Approved calls leave the queue before their stream ends; anything still queued was lost.
                    if (held.remove(h)) {
                        lost.incrementAndGet();
                        firstLoss.compareAndSet(null, h.approvalId() + " (" + h.call().jsonRpcId() + "): " + h.call().outcome());
                    }
                });
            }));
        }
        for (CompletableFuture<?> f : step) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // counted as failed above
            } catch (java.util.concurrent.TimeoutException e) {
                failure.compareAndSet(null, "timed out after " + timeoutSeconds + " s waiting for calls to be held");
                break;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LatencyRecord setUp = LatencyRecord.of("set-up", window, Arrays.copyOf(setUpNanos, Math.min(measured.get(), setUpNanos.length)),
                seconds, failed.get());
        reply(String.format(java.util.Locale.ROOT,
                "opened held=%d failed=%d lost=%d seconds=%.2f setup_p50_ms=%.1f setup_p99_ms=%.1f setup_max_ms=%.1f"
                        + " threads=%d fds=%d heap_mb=%d newest=%s error=%s",
                held.size(), failed.get(), lost.get(), seconds, setUp.percentileMillis(50), setUp.percentileMillis(99),
                setUp.percentileMillis(100), java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount(), openFds(), usedHeapMb(),
                last(newest, 5),
                failure.get() != null ? failure.get() : lost.get() > 0 ? "lost " + firstLoss.get() : "-"));
    }

    /** Approves {@code count} held calls (the oldest first, 16 at a time) and checks each gets its upstream's result. */
    private void approve(int count, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Semaphore deciding = new Semaphore(16);
        List<CompletableFuture<Long>> results = new ArrayList<>();
        AtomicReference<String> failure = new AtomicReference<>();
        for (int i = 0; i < count; i++) {
            Held h = held.poll();
            if (h == null) {
                failure.compareAndSet(null, "only " + i + " calls were held to approve");
                break;
            }
            if (!deciding.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                failure.compareAndSet(null, "timed out deciding");
                break;
            }
            long t0 = System.nanoTime();
            CompletableFuture<HttpResponse<String>> decided = clients.get(i % clients.size())
                    .sendAsync(McpWire.approve(api, approverToken, h.approvalId()), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, e) -> deciding.release());
            results.add(decided.thenCompose(response -> {
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("deciding " + h.approvalId() + ": HTTP " + response.statusCode() + " "
                            + HeldCall.oneLine(response.body()));
                }
                return h.call().answer();
            }).thenApply(answer -> {
                JsonNode message = answer.value();
                GatedOverhead.checkResult(message, h.customer(), h.approvalId());
                return answer.nanos() - t0;
            }));
        }
        List<Long> done = new ArrayList<>();
        int failed = 0;
        for (CompletableFuture<Long> r : results) {
            try {
                done.add(r.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                failed++;
                failure.compareAndSet(null, HeldCall.oneLine(String.valueOf(e.getCause().getMessage())));
            } catch (java.util.concurrent.TimeoutException e) {
                failed++;
                failure.compareAndSet(null, "timed out after " + timeoutSeconds + " s waiting for approved results");
            }
        }
        LatencyRecord latency = LatencyRecord.of("approved", 16, done.stream().mapToLong(Long::longValue).toArray(), 1, failed);
        reply(String.format(java.util.Locale.ROOT,
                "approved asked=%d completed=%d failed=%d still_held=%d lost=%d d2r_p50_ms=%.1f d2r_max_ms=%.1f error=%s",
                count, done.size(), failed, held.size(), lost.get(), latency.percentileMillis(50), latency.percentileMillis(100),
                failure.get() != null ? failure.get() : lost.get() > 0 ? "lost " + firstLoss.get() : "-"));
    }

    private static String last(ConcurrentLinkedQueue<String> ids, int n) {
        List<String> all = new ArrayList<>(ids);
        return all.isEmpty() ? "-" : String.join(",", all.subList(Math.max(0, all.size() - n), all.size()));
    }

    static long openFds() {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    private static long usedHeapMb() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }

    private static void reply(String text) {
        System.out.println(REPLY + text);
        System.out.flush();
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the environment variable " + name + " is required");
        }
        return value;
    }
}
