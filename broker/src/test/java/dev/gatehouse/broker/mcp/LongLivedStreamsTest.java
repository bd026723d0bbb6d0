package dev.gatehouse.broker.mcp;

import dev.gatehouse.broker.testing.RecordingUpstream;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Long-lived and primed SSE streams cross the broker as they are, and a caller closing one ends it upstream. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LongLivedStreamsTest {

    private RecordingUpstream upstream;
    private TestStack stack;
    private String token;

    @BeforeAll
    void start() {
        upstream = RecordingUpstream.start();
        stack = TestStack.start("""
                upstreams:
                  - name: rec
                    url: %s
                  - name: rec-hold
                    url: %s?hold=true
                policies:
                  - name: tests may call everything
                    action: allow
                """.formatted(upstream.url(), upstream.url()));
        token = stack.token("listener", "agents");
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    private HttpRequest.Builder post(String method, String body) {
        return HttpRequest.newBuilder(stack.mcp("rec"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2026-07-28")
                .header("Mcp-Method", method)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    @Test
    void streamsSubscriptionsListenAndClosingItCancelsUpstream() throws Exception {
        HttpRequest listen = post("subscriptions/listen", """
                {"jsonrpc":"2.0","id":"sub-1","method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":["test://x"]},
                 "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""").build();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> response = http.send(listen, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(nextData(events)).contains("notifications/subscriptions/acknowledged").contains("\"sub-1\"");
            assertThat(nextData(events)).contains("test://listened/0");
            assertThat(nextData(events)).contains("test://listened/1");
        }
        http.shutdownNow();
        assertThat(upstream.awaitListenClosed(Duration.ofSeconds(10)))
                .as("the upstream saw its listen stream closed after the client closed its own").isTrue();
    }

    @Test
    void passesPrimingEventsAndRetryFieldsThroughUntouched() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(post("tools/call", """
                {"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"primed","arguments":{"text":"p"}}}""")
                .header("Mcp-Name", "primed").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith(RecordingUpstream.PRIMED_PREFIX).contains("\"text\":\"echo: p\"");
    }

    @Test
    void answersAGetStreamTheUpstreamHoldsSilentAndReleasesItWhenTheCallerLeaves() throws Exception {
        HttpRequest get = HttpRequest.newBuilder(stack.mcp("rec-hold"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> response = http.send(get, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        try (BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(events.readLine()).isEqualTo(": waiting for upstream");
        }
        http.shutdownNow();
        assertThat(upstream.awaitHeldGetClosed(Duration.ofSeconds(20)))
                .as("the upstream's GET stream was closed after the caller left").isTrue();
    }

    private static String nextData(BufferedReader events) throws java.io.IOException {
        String line;
        while ((line = events.readLine()) != null) {
            if (line.startsWith("data:")) {
                return line;
            }
        }
        throw new AssertionError("stream ended");
    }
}
