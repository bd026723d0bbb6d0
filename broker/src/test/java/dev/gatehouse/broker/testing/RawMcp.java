package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Raw HTTP against the broker's MCP endpoint, for what an SDK client would never send. */
public final class RawMcp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI endpoint;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public RawMcp(URI endpoint) {
        this.endpoint = endpoint;
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json, text/event-stream");
    }

    public RawMcp with(String name, String value) {
        RawMcp copy = new RawMcp(endpoint);
        copy.headers.clear();
        copy.headers.putAll(headers);
        copy.headers.put(name, value);
        return copy;
    }

    /** The Mcp-Session-Id this client sends, if any. */
    public String sessionId() {
        return headers.get("Mcp-Session-Id");
    }

    public RawMcp bearer(String token) {
        return with("Authorization", "Bearer " + token);
    }

    public HttpResponse<String> post(String body) {
        return send(HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Posts without waiting: for requests the broker holds open (approval-gated calls). */
    public java.util.concurrent.CompletableFuture<HttpResponse<String>> postAsync(String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(builder::header);
        return http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts and returns once the response's headers are in: for SSE answers read event by event as they come. */
    public HttpResponse<java.io.InputStream> postStreaming(String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(builder::header);
        try {
            return http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get() {
        return send(HttpRequest.newBuilder(endpoint).GET());
    }

    public HttpResponse<String> delete() {
        return send(HttpRequest.newBuilder(endpoint).DELETE());
    }

    /** Initializes a session and returns the broker's session id for it. */
    public String initialize() {
        HttpResponse<String> response = post("""
                {"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25",
                 "capabilities":{},"clientInfo":{"name":"raw-test","version":"1"}}}""");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("initialize failed: " + response.statusCode() + " " + response.body());
        }
        return response.headers().firstValue("Mcp-Session-Id").orElseThrow();
    }

    private HttpResponse<String> send(HttpRequest.Builder builder) {
        headers.forEach(builder::header);
        try {
            return http.send(builder.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The JSON-RPC message in a JSON body, or the last one in an SSE body. */
    public static JsonNode message(HttpResponse<String> response) {
        String body = response.body();
        try {
            if (response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
                JsonNode last = null;
                for (String line : body.split("\n")) {
                    if (line.startsWith("data:") && line.length() > 5 && !line.substring(5).isBlank()) {
                        last = JSON.readTree(line.substring(5).trim());
                    }
                }
                return last;
            }
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }
}
