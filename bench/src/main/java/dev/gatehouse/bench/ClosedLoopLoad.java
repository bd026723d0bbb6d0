package dev.gatehouse.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One measured phase of {@code tools/call} load: each caller opens its own MCP session and then calls in a
 * closed loop (the next call as soon as the last is answered), so throughput is what the target can take at
 * that concurrency. Calls that end before the warm-up is over or after the phase are not counted. Stateless.
 */
final class ClosedLoopLoad {

    private ClosedLoopLoad() {
    }

    /**
     * @param endpoints the endpoint of each caller, at least {@code concurrency} of them (several targets: spread them)
     * @param tokens    the bearer token of each caller, or null for an upstream directly
     */
    static LatencyRecord phase(String name, List<URI> endpoints, List<String> tokens, String call, int concurrency,
                               Duration warmup, Duration duration) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            sessions.add(initialize(http, endpoints.get(i), tokens == null ? null : tokens.get(i)));
        }
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            long warmEnd = System.nanoTime() + warmup.toNanos();
            long measureEnd = warmEnd + duration.toNanos();
            List<Future<long[]>> results = new ArrayList<>();
            int[] errors = new int[concurrency];
            for (int i = 0; i < concurrency; i++) {
                URI endpoint = endpoints.get(i);
                String session = sessions.get(i);
                int worker = i;
                String token = tokens == null ? null : tokens.get(i);
                results.add(workers.submit(() -> {
                    long[] samples = new long[1024];
                    int n = 0;
                    while (true) {
                        long start = System.nanoTime();
                        if (start >= measureEnd) {
                            break;
                        }
                        boolean ok = call(http, endpoint, token, session, call);
                        long end = System.nanoTime();
                        if (start >= warmEnd && end <= measureEnd) {
                            if (!ok) {
                                errors[worker]++;
                                continue;
                            }
                            if (n == samples.length) {
                                samples = Arrays.copyOf(samples, n * 2);
                            }
                            samples[n++] = end - start;
                        }
                    }
                    return Arrays.copyOf(samples, n);
                }));
            }
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> f : results) {
                all.add(f.get());
            }
            long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
            return LatencyRecord.of(name, concurrency, merged, duration.toNanos() / 1e9, Arrays.stream(errors).sum());
        } finally {
            http.shutdownNow();
        }
    }

    private static String initialize(HttpClient http, URI endpoint, String token) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(endpoint, token, null, """
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},
                 "clientInfo":{"name":"gatehouse-bench","version":"1"}}}"""), HttpResponse.BodyHandlers.ofString());
        String session = response.headers().firstValue("Mcp-Session-Id")
                .orElseThrow(() -> new IllegalStateException("initialize at " + endpoint + " gave no session: " + response.statusCode()));
        http.send(request(endpoint, token, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"),
                HttpResponse.BodyHandlers.discarding());
        return session;
    }

    private static boolean call(HttpClient http, URI endpoint, String token, String session, String call) {
        try {
            HttpResponse<String> response = http.send(request(endpoint, token, session, call), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"result\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static HttpRequest request(URI endpoint, String token, String session, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (session != null) {
            builder.header("Mcp-Session-Id", session);
        }
        return builder.build();
    }
}
