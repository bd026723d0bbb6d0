package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.forward.UpstreamClient;
import dev.gatehouse.activities.forward.UpstreamException;
import dev.gatehouse.activities.forward.UpstreamRequest;
import dev.gatehouse.activities.forward.UpstreamResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One session with a legacy HTTP+SSE (2024-11-05) upstream: the long-lived GET stream on which
 * the upstream sends everything, and the endpoint it announced for POSTs. Messages from the
 * upstream are routed to the caller's open exchanges: a response to the request it answers,
 * progress to the request that asked for it, anything else to the caller's GET stream, or to
 * the newest waiting request when there is none, or queued until one opens. Thread-safe.
 */
final class LegacyConnection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LegacyConnection.class);
    private static final int MAX_QUEUED = 1000;

    /**
     * Closes a waiting request's or GET stream's queue. A private instance compared by identity: no
     * message parsed from the upstream can ever be it.
     */
    private static final JsonNode END = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();

    static boolean isEnd(JsonNode message) {
        return message == END;
    }

    private final UpstreamClient client;
    private final ObjectMapper json;
    private final UpstreamResponse stream;
    private final URI endpoint;
    private final Object lock = new Object();
    private final Map<String, BlockingQueue<JsonNode>> pending = new LinkedHashMap<>();
    private final Map<String, BlockingQueue<JsonNode>> byProgressToken = new LinkedHashMap<>();
    private final Deque<JsonNode> unrouted = new ArrayDeque<>();
    private BlockingQueue<JsonNode> listener;
    private volatile boolean closed;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private LegacyConnection(UpstreamClient client, ObjectMapper json, UpstreamResponse stream, URI endpoint) {
        this.client = client;
        this.json = json;
        this.stream = stream;
        this.endpoint = endpoint;
    }

    /** Opens the upstream's SSE stream and waits for its {@code endpoint} event. */
    static LegacyConnection open(UpstreamClient client, ObjectMapper json, int maxMessageBytes, Duration timeout) {
        UpstreamResponse response = client.send(new UpstreamRequest("GET", client.target().url(),
                Map.of("Accept", List.of("text/event-stream")), null));
        if (response.status() != 200 || !response.isEventStream()) {
            response.close();
            throw new UpstreamException.Unreachable(client.target().name(),
                    "expected an SSE stream from the legacy endpoint, got HTTP " + response.status(), null);
        }
        SseEventReader reader = new SseEventReader(response.body(), maxMessageBytes);
        CompletableFuture<URI> announced = new CompletableFuture<>();
        Thread.ofVirtual().name("legacy-sse-endpoint-" + client.target().name()).start(() -> {
            try {
                Optional<SseEventReader.SseEvent> event;
                while ((event = reader.next()).isPresent()) {
                    if (event.get().event().equals("endpoint")) {
                        announced.complete(client.resolveOnOrigin(event.get().data().trim()));
                        return;
                    }
                }
                announced.completeExceptionally(new IOException("the stream ended before an endpoint event"));
            } catch (IOException | RuntimeException e) {
                announced.completeExceptionally(e);
            }
        });
        URI endpoint;
        try {
            endpoint = announced.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.close();
            throw new UpstreamException.Unreachable(client.target().name(), "interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            response.close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new UpstreamException.Unreachable(client.target().name(),
                    "no endpoint event on the legacy SSE stream: " + cause.getMessage(), cause);
        }
        LegacyConnection connection = new LegacyConnection(client, json, response, endpoint);
        Thread.ofVirtual().name("legacy-sse-" + client.target().name()).start(() -> connection.pump(reader));
        return connection;
    }

    URI endpoint() {
        return endpoint;
    }

    boolean isClosed() {
        return closed;
    }

    CompletableFuture<Void> ended() {
        return ended;
    }

    /** Registers a request so its answer and related messages reach {@code sink}, then POSTs it. */
    BlockingQueue<JsonNode> request(JsonRpcMessage message) {
        BlockingQueue<JsonNode> sink = new LinkedBlockingQueue<>();
        String key = key(message.id());
        JsonNode token = message.params().path("_meta").path("progressToken");
        synchronized (lock) {
            pending.put(key, sink);
            if (!token.isMissingNode()) {
                byProgressToken.put(key(token), sink);
            }
        }
        try {
            postRaw(message.raw());
        } catch (RuntimeException e) {
            forget(key, token);
            throw e;
        }
        return sink;
    }

    void forget(JsonNode id, JsonNode progressToken) {
        forget(key(id), progressToken);
    }

    private void forget(String key, JsonNode token) {
        synchronized (lock) {
            pending.remove(key);
            if (token != null && !token.isMissingNode()) {
                byProgressToken.remove(key(token));
            }
        }
    }

    /** Sends a notification or a response to a server request; the legacy transport answers those on the stream, if at all. */
    void postRaw(byte[] body) {
        try (UpstreamResponse response = client.send(new UpstreamRequest("POST", endpoint,
                Map.of("Content-Type", List.of("application/json")), body))) {
            if (response.status() >= 300) {
                throw new UpstreamException.Unreachable(client.target().name(),
                        "the legacy message endpoint answered HTTP " + response.status(), null);
            }
            response.body().readAllBytes();
        } catch (IOException e) {
            throw new UpstreamException.Unreachable(client.target().name(), "POST to the message endpoint failed", e);
        }
    }

    /** Becomes the caller's GET stream: receives everything not tied to a request, starting with what was queued. */
    BlockingQueue<JsonNode> listen() {
        BlockingQueue<JsonNode> sink = new LinkedBlockingQueue<>();
        synchronized (lock) {
            if (listener != null) {
                listener.add(END);
            }
            listener = sink;
            sink.addAll(unrouted);
            unrouted.clear();
            if (closed) {
                sink.add(END);
            }
        }
        return sink;
    }

    void stopListening(BlockingQueue<JsonNode> sink) {
        synchronized (lock) {
            if (listener == sink) {
                listener = null;
            }
        }
    }

    private void pump(SseEventReader reader) {
        try {
            Optional<SseEventReader.SseEvent> event;
            while ((event = reader.next()).isPresent()) {
                if (!event.get().event().equals("message")) {
                    continue;
                }
                JsonNode message;
                try {
                    message = json.readTree(event.get().data());
                } catch (IOException e) {
                    message = null;
                }
                if (message == null || !message.isObject()) {
                    log.warn("upstream {} sent an SSE message that is not a JSON-RPC object; dropped", client.target().name());
                    continue;
                }
                route(message);
            }
        } catch (IOException e) {
            if (!closed) {
                log.info("legacy SSE stream of upstream {} ended: {}", client.target().name(), e.getMessage());
            }
        } finally {
            shutDown();
        }
    }

    private void route(JsonNode message) {
        boolean isResponse = !message.has("method") && message.has("id");
        synchronized (lock) {
            if (isResponse) {
                BlockingQueue<JsonNode> sink = pending.remove(key(message.get("id")));
                if (sink != null) {
                    byProgressToken.values().removeIf(s -> s == sink);
                    sink.add(message);
                    sink.add(END);
                    return;
                }
            }
            JsonNode token = message.path("params").path("progressToken");
            BlockingQueue<JsonNode> target = token.isMissingNode() ? null : byProgressToken.get(key(token));
            if (target == null) {
                target = listener;
            }
            if (target == null && !pending.isEmpty()) {
                target = pending.values().stream().reduce((first, second) -> second).orElse(null);
            }
            if (target != null) {
                target.add(message);
            } else if (unrouted.size() < MAX_QUEUED) {
                unrouted.add(message);
            } else {
                log.warn("upstream {}: no client stream is open and {} messages are queued; dropping one",
                        client.target().name(), MAX_QUEUED);
            }
        }
    }

    private void shutDown() {
        synchronized (lock) {
            closed = true;
            pending.values().forEach(s -> s.add(END));
            pending.clear();
            byProgressToken.clear();
            if (listener != null) {
                listener.add(END);
            }
        }
        stream.close();
        ended.complete(null);
    }

    private static String key(JsonNode id) {
        return id == null ? "null" : id.toString();
    }

    @Override
    public void close() {
        closed = true;
        stream.close();
    }
}
