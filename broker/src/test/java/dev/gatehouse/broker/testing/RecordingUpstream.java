package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hand-written MCP upstream that records every request it receives, byte for byte, so tests
 * can assert what crossed the broker (and what did not). It answers like a 2026-07-28 stateless
 * server: {@code tools/list} as JSON, {@code tools/call} as an SSE stream with a progress
 * notification first; tool {@code sleep} never answers in time; notifications and responses get 202.
 */
public final class RecordingUpstream implements AutoCloseable {

    /** One request as the upstream saw it; header names lower-cased. */
    public record Received(String httpMethod, Map<String, String> headers, String body) {
        public JsonNode json() {
            try {
                return new ObjectMapper().readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The exact bytes of the primed stream the {@code primed} tool answers with (2025-11-25 priming and retry). */
    public static final String PRIMED_PREFIX = "id: p-1\nretry: 1500\ndata:\n\n";

    private final Javalin app;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.CountDownLatch listenClosed = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.CountDownLatch heldGetClosed = new java.util.concurrent.CountDownLatch(1);

    private RecordingUpstream() {
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.routes.post("/mcp", this::post);
            config.routes.get("/mcp", ctx -> {
                record(ctx);
                if ("true".equals(ctx.queryParam("hold"))) {
                    holdGetStream(ctx);
                } else {
                    ctx.status(405);
                }
            });
            config.routes.delete("/mcp", ctx -> {
                record(ctx);
                ctx.status(405);
            });
        });
    }

    public static RecordingUpstream start() {
        RecordingUpstream upstream = new RecordingUpstream();
        upstream.app.start("127.0.0.1", 0);
        return upstream;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + app.port() + "/mcp");
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public void clear() {
        received.clear();
    }

    private void record(Context ctx) {
        Map<String, String> headers = new TreeMap<>();
        ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
        received.add(new Received(ctx.method().name(), headers, ctx.body()));
    }

    private void post(Context ctx) throws Exception {
        record(ctx);
        // Like many web stacks, it hands out a cookie; the broker must neither pass it on nor replay it.
        ctx.header("Set-Cookie", "upstream_session=for-" + received.size() + "; Path=/");
        JsonNode message = JSON.readTree(ctx.body());
        if (!message.has("id") || !message.has("method")) {
            ctx.status(202);
            return;
        }
        String method = message.path("method").asText();
        ObjectNode result = JSON.createObjectNode().put("resultType", "complete");
        switch (method) {
            case "tools/list" -> {
                result.putArray("tools").addObject().put("name", "echo").put("description", "echoes")
                        .putObject("inputSchema").put("type", "object");
                result.put("ttlMs", 0).put("cacheScope", "private");
                ctx.contentType("application/json").result(JSON.writeValueAsString(response(message, result)));
            }
            case "subscriptions/listen" -> listen(ctx, message);
            case "tools/call" -> {
                String tool = message.path("params").path("name").asText();
                if (tool.equals("sleep")) {
                    Thread.sleep(5_000);
                }
                streamCall(ctx, message, tool);
            }
            default -> ctx.contentType("application/json").result(JSON.writeValueAsString(response(message, result)));
        }
    }

    /** True once a held GET stream was closed from the client's side. */
    public boolean awaitHeldGetClosed(java.time.Duration timeout) throws InterruptedException {
        return heldGetClosed.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Like some SDK servers, sends no headers on a GET stream until its first event, 8 s later;
     * then an event every 100 ms until the client is gone.
     */
    private void holdGetStream(Context ctx) throws InterruptedException {
        Thread.sleep(8_000);
        ctx.status(200);
        ctx.res().setContentType("text/event-stream");
        try {
            OutputStream out = ctx.res().getOutputStream();
            for (int i = 0; i < 600; i++) {
                out.write(("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(100);
            }
        } catch (IOException clientGone) {
            heldGetClosed.countDown();
        }
    }

    /** True once a {@code subscriptions/listen} stream was closed from the client's side. */
    public boolean awaitListenClosed(java.time.Duration timeout) throws InterruptedException {
        return listenClosed.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** A 2026-07-28 listen stream: acknowledged, then an update every 100 ms until the client goes away. */
    private void listen(Context ctx, JsonNode message) throws InterruptedException {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream");
        try {
            OutputStream out = ctx.res().getOutputStream();
            ObjectNode ack = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/subscriptions/acknowledged");
            ack.putObject("params").putObject("_meta").set("io.modelcontextprotocol/subscriptionId", message.get("id"));
            out.write(("data: " + JSON.writeValueAsString(ack) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            for (int i = 0; i < 600; i++) {
                ObjectNode update = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/resources/updated");
                update.putObject("params").put("uri", "test://listened/" + i);
                out.write(("data: " + JSON.writeValueAsString(update) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(100);
            }
        } catch (IOException clientGone) {
            listenClosed.countDown();
        }
    }

    private void streamCall(Context ctx, JsonNode message, String tool) throws IOException {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream");
        OutputStream out = ctx.res().getOutputStream();
        if (tool.equals("primed")) {
            out.write(PRIMED_PREFIX.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        JsonNode token = message.path("params").path("_meta").path("progressToken");
        if (!token.isMissingNode()) {
            ObjectNode progress = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/progress");
            progress.putObject("params").put("progress", 1).put("total", 2).set("progressToken", token);
            out.write(("data: " + JSON.writeValueAsString(progress) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        ObjectNode result = JSON.createObjectNode().put("resultType", "complete");
        result.putArray("content").addObject().put("type", "text")
                .put("text", "echo: " + message.path("params").path("arguments").path("text").asText(tool));
        out.write(("data: " + JSON.writeValueAsString(response(message, result)) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode response(JsonNode request, ObjectNode result) {
        ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", request.get("id"));
        response.set("result", result);
        return response;
    }

    @Override
    public void close() {
        app.stop();
    }
}
