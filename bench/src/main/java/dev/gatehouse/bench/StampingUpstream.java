package dev.gatehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A minimal Streamable HTTP MCP server (sessions, JSON answers, one tool {@code delete_customer} that
 * does nothing) that stamps, with {@link System#nanoTime()}, when each call arrives and when its answer
 * is written: so the time an approved call spends in the engine before and after the upstream can be
 * told apart. Far faster than a real tool, on purpose: what is left is the broker's. Thread-safe.
 */
final class StampingUpstream implements AutoCloseable {

    /** When a call for one customer arrived and when its answer was written. */
    record Stamp(long receivedNanos, long answeredNanos) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, Stamp> stamps = new ConcurrentHashMap<>();
    private final Map<String, Boolean> sessions = new ConcurrentHashMap<>();

    private StampingUpstream(HttpServer server) {
        this.server = server;
    }

    static StampingUpstream start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        StampingUpstream upstream = new StampingUpstream(server);
        server.createContext("/mcp", upstream::handle);
        server.start();
        return upstream;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp");
    }

    /** The stamps of the call that deleted {@code customer}, once it was answered. */
    Optional<Stamp> stamp(String customer) {
        return Optional.ofNullable(stamps.get(customer));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            switch (exchange.getRequestMethod()) {
                case "POST" -> post(exchange);
                case "DELETE" -> {
                    exchange.getRequestHeaders().getOrDefault("Mcp-Session-Id", java.util.List.of()).forEach(sessions::remove);
                    exchange.sendResponseHeaders(200, -1);
                }
                // No server-initiated messages: the spec's answer to a GET stream this server does not offer.
                default -> exchange.sendResponseHeaders(405, -1);
            }
        }
    }

    private void post(HttpExchange exchange) throws IOException {
        long received = System.nanoTime();
        JsonNode request;
        try (InputStream in = exchange.getRequestBody()) {
            request = JSON.readTree(in);
        }
        String method = request.path("method").asText();
        if (!request.has("id")) {
            exchange.sendResponseHeaders(202, -1);
            return;
        }
        String session = exchange.getRequestHeaders().getFirst("Mcp-Session-Id");
        if (!method.equals("initialize") && (session == null || !sessions.containsKey(session))) {
            exchange.sendResponseHeaders(session == null ? 400 : 404, -1);
            return;
        }
        ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", request.get("id"));
        String customer = null;
        switch (method) {
            case "initialize" -> {
                session = UUID.randomUUID().toString();
                sessions.put(session, true);
                exchange.getResponseHeaders().add("Mcp-Session-Id", session);
                ObjectNode result = response.putObject("result");
                result.put("protocolVersion", request.path("params").path("protocolVersion").asText(McpWire.PROTOCOL_VERSION));
                result.putObject("capabilities").putObject("tools");
                result.putObject("serverInfo").put("name", "gatehouse-bench-upstream").put("version", "1");
            }
            case "tools/list" -> response.putObject("result").putArray("tools").addObject()
                    .put("name", "delete_customer")
                    .put("description", "Pretends to delete a customer, at once.")
                    .set("inputSchema", JSON.readTree("""
                            {"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}"""));
            case "tools/call" -> {
                customer = request.path("params").path("arguments").path("id").asText();
                ObjectNode result = response.putObject("result");
                result.putArray("content").addObject().put("type", "text").put("text", "Customer " + customer + " was deleted.");
                result.put("isError", false);
            }
            case "ping" -> response.putObject("result");
            default -> response.putObject("error").put("code", -32601).put("message", "no method " + method);
        }
        byte[] body = JSON.writeValueAsBytes(response);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        if (customer != null) {
            stamps.put(customer, new Stamp(received, System.nanoTime()));
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
