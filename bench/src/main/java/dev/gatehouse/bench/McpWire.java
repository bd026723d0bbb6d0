package dev.gatehouse.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * The few raw HTTP requests the gated-call benchmark makes: MCP sessions, approval-gated
 * {@code tools/call}s that ask for progress (so the first event names the approval), and decisions
 * through the decisions API. Stateless.
 */
final class McpWire {

    static final String PROTOCOL_VERSION = "2025-11-25";

    private McpWire() {
    }

    /** HTTP/1.1, so each held call is one connection, as most MCP clients hold it; callbacks on virtual threads. */
    static HttpClient client() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /** Opens an MCP session at {@code endpoint} (the broker with {@code token}, or an upstream with none). */
    static String initialize(HttpClient http, URI endpoint, String token) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(post(endpoint, token, null, """
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},
                 "clientInfo":{"name":"gatehouse-bench-gated","version":"1"}}}""".formatted(PROTOCOL_VERSION),
                Duration.ofSeconds(30)), HttpResponse.BodyHandlers.ofString());
        String session = response.headers().firstValue("Mcp-Session-Id").orElseThrow(() -> new IllegalStateException(
                "initialize at " + endpoint + " gave no session: HTTP " + response.statusCode() + " " + response.body()));
        HttpResponse<String> initialized = http.send(post(endpoint, token, session,
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", Duration.ofSeconds(30)),
                HttpResponse.BodyHandlers.ofString());
        if (initialized.statusCode() != 202) {
            throw new IllegalStateException("notifications/initialized at " + endpoint + " got HTTP " + initialized.statusCode()
                    + " " + initialized.body());
        }
        return session;
    }

    /**
     * {@code delete_customer} for {@code customerId}, with a progress token, so a held call's first event is
     * {@code notifications/progress} naming its approval. Distinct ids make distinct calls (no replay, no attaching).
     */
    static HttpRequest deleteCustomer(URI endpoint, String token, String session, String jsonRpcId, String customerId) {
        String body = """
                {"jsonrpc":"2.0","id":"%s","method":"tools/call","params":{"name":"delete_customer","arguments":{"id":"%s"},\
                "_meta":{"progressToken":"%s"}}}""".formatted(jsonRpcId, customerId, jsonRpcId);
        // The timeout covers the response headers only, which a held call gets as soon as it is held.
        return post(endpoint, token, session, body, Duration.ofSeconds(60));
    }

    static HttpRequest approve(URI api, String token, String approvalId) {
        return HttpRequest.newBuilder(URI.create(api + "/approvals/" + approvalId + "/decision"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"decision\":\"approve\",\"reason\":\"benchmark\"}"))
                .build();
    }

    static HttpRequest post(URI endpoint, String token, String session, String body, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (session != null) {
            builder.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", PROTOCOL_VERSION);
        }
        return builder.build();
    }
}
