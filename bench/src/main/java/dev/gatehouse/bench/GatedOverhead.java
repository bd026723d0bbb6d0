package dev.gatehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the gated path costs once someone approves: one call at a time (nothing queues), each a
 * distinct {@code delete_customer}. Each call is held, then decided only once its workflow has opened
 * the approval (a person decides seconds later at the earliest), timed from just before the decision is
 * posted to the moment its result line reaches the client. The upstream stamps when the forwarded call
 * arrives and when it answers, which splits that time into before and after the upstream; the same
 * tool called directly gives the upstream's own time. Not thread-safe; one run.
 */
final class GatedOverhead {

    private static final long WAIT_SECONDS = 30;

    /** The measured phase's latencies, each in nanoseconds per call. */
    record Report(LatencyRecord holdSetUp, LatencyRecord workflowOpen, LatencyRecord decisionApi,
                  LatencyRecord decisionToUpstream, LatencyRecord upstreamToResult, LatencyRecord decisionToResult,
                  LatencyRecord upstreamDirect, LatencyRecord overhead) {

        List<LatencyRecord> rows() {
            return List.of(holdSetUp, workflowOpen, decisionApi, decisionToUpstream, upstreamToResult, decisionToResult,
                    upstreamDirect, overhead);
        }
    }

    private final HttpClient http;
    private final URI mcp;
    private final URI api;
    private final StampingUpstream upstream;
    private final TemporalProbe temporal;
    private final String agentToken;
    private final String approverToken;
    private final String nonce;

    /**
     * @param mcp      the broker's MCP endpoint for the upstream
     * @param api      the broker's API base ({@code <broker>/api})
     * @param upstream the upstream behind it, also called directly
     */
    GatedOverhead(URI mcp, URI api, StampingUpstream upstream, TemporalProbe temporal, String agentToken, String approverToken,
                  String nonce) {
        this.http = McpWire.client();
        this.mcp = mcp;
        this.api = api;
        this.upstream = upstream;
        this.temporal = temporal;
        this.agentToken = agentToken;
        this.approverToken = approverToken;
        this.nonce = nonce;
    }

    /** Runs {@code warmup} unmeasured calls (the JIT's), then {@code calls} measured ones. Throws on the first failure. */
    Report run(int warmup, int calls) throws IOException, InterruptedException {
        String brokerSession = McpWire.initialize(http, mcp, agentToken);
        String upstreamSession = McpWire.initialize(http, upstream.url(), null);
        long[][] columns = new long[6][calls];
        long[] direct = new long[calls];
        try {
            for (int i = -warmup; i < calls; i++) {
                String customer = "ovh-" + nonce + "-" + (i + warmup);
                long[] one = gatedCall(brokerSession, "o" + (i + warmup), customer);
                long upstreamNanos = directCall(upstreamSession, "d" + (i + warmup), "direct-" + customer);
                if (i >= 0) {
                    for (int c = 0; c < one.length; c++) {
                        columns[c][i] = one[c];
                    }
                    direct[i] = upstreamNanos;
                }
            }
        } finally {
            http.shutdownNow();
        }
        LatencyRecord directRecord = LatencyRecord.of("upstream direct (same tool, own session)", 1, direct, 1, 0);
        long upstreamMedian = Math.round(directRecord.percentileMillis(50) * 1e6);
        long[] overhead = java.util.Arrays.stream(columns[5]).map(n -> n - upstreamMedian).toArray();
        return new Report(
                LatencyRecord.of("hold set-up (POST call -> approval named)", 1, columns[0], 1, 0),
                LatencyRecord.of("approval named -> workflow open (10 ms polls)", 1, columns[1], 1, 0),
                LatencyRecord.of("decision API round trip", 1, columns[2], 1, 0),
                LatencyRecord.of("decision -> call reaches the upstream", 1, columns[3], 1, 0),
                LatencyRecord.of("upstream answered -> result at the client", 1, columns[4], 1, 0),
                LatencyRecord.of("decision -> result at the client", 1, columns[5], 1, 0),
                directRecord,
                LatencyRecord.of("engine overhead (decision->result - upstream p50)", 1, overhead, 1, 0));
    }

    /**
     * {@code [hold set-up, held to open, decision round trip, decision to upstream, upstream to result,
     * decision to result]} in nanoseconds.
     */
    private long[] gatedCall(String session, String jsonRpcId, String customer) throws InterruptedException, IOException {
        HeldCall call = HeldCall.open(http, McpWire.deleteCustomer(mcp, agentToken, session, jsonRpcId, customer), jsonRpcId);
        HeldCall.Arrival<String> held = await(call.approval(), "call " + jsonRpcId + " to be held");
        long open = temporal.awaitOpen(List.of(held.value()), java.time.Duration.ofSeconds(WAIT_SECONDS));
        long t0 = System.nanoTime();
        CompletableFuture<Long> decided = http.sendAsync(McpWire.approve(api, approverToken, held.value()),
                        HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> {
                    long at = System.nanoTime();
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("deciding " + held.value() + ": HTTP " + response.statusCode() + " "
                                + HeldCall.oneLine(response.body()));
                    }
                    return at;
                });
        HeldCall.Arrival<JsonNode> answer = await(call.answer(), "the result of approved " + held.value());
        long decidedAt = await(decided, "the decision on " + held.value());
        checkResult(answer.value(), customer, held.value());
        StampingUpstream.Stamp stamp = upstream.stamp(customer).orElseThrow(() -> new IllegalStateException(
                "approved " + held.value() + " answered, but the upstream never saw " + customer));
        return new long[] {held.nanos() - call.sentNanos(), open - held.nanos(), decidedAt - t0, stamp.receivedNanos() - t0,
                answer.nanos() - stamp.answeredNanos(), answer.nanos() - t0};
    }

    private long directCall(String session, String jsonRpcId, String customer) throws IOException, InterruptedException {
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(McpWire.post(upstream.url(), null, session, """
                {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"delete_customer","arguments":{"id":"%s"}}}"""
                .formatted(jsonRpcId, customer), java.time.Duration.ofSeconds(WAIT_SECONDS)), HttpResponse.BodyHandlers.ofString());
        long end = System.nanoTime();
        if (response.statusCode() != 200 || !response.body().contains("\"result\"") || !response.body().contains(customer)) {
            throw new IllegalStateException("the upstream called directly answered HTTP " + response.statusCode() + " "
                    + HeldCall.oneLine(response.body()));
        }
        return end - start;
    }

    /** The approved call's answer must be the upstream's result for this very customer, not an error. */
    static void checkResult(JsonNode answer, String customer, String approvalId) {
        JsonNode result = answer.path("result");
        if (result.isMissingNode() || result.path("isError").asBoolean(false) || !result.toString().contains(customer)) {
            throw new IllegalStateException("approved " + approvalId + " answered " + HeldCall.oneLine(answer.toString()));
        }
    }

    static <T> T await(CompletableFuture<T> future, String what) throws InterruptedException, IOException {
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("timed out after " + WAIT_SECONDS + " s waiting for " + what, e);
        } catch (ExecutionException e) {
            throw new IOException("waiting for " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
