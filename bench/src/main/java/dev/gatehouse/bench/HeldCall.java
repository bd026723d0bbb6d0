package dev.gatehouse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One approval-gated call on the wire: its SSE answer is read line by line as the bytes arrive (no
 * thread waits on it), and the two moments that matter are stamped with {@link System#nanoTime()}
 * where the line is seen: the first event naming the approval, and the JSON-RPC answer. Thread-safe:
 * the HTTP client delivers lines one at a time; the futures are the only shared state.
 */
final class HeldCall implements Flow.Subscriber<String> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern APPROVAL_ID = Pattern.compile("apr-[0-9a-fA-F-]{36}");

    /** Something seen on the stream and when: {@code nanos} is {@link System#nanoTime()} on arrival. */
    record Arrival<T>(T value, long nanos) {
    }

    private final String jsonRpcId;
    private final long sentNanos;
    private final CompletableFuture<Arrival<String>> approval = new CompletableFuture<>();
    private final CompletableFuture<Arrival<JsonNode>> answer = new CompletableFuture<>();
    /** Completes (normally or not) when the stream ends for whatever reason. */
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;

    private HeldCall(String jsonRpcId, long sentNanos) {
        this.jsonRpcId = jsonRpcId;
        this.sentNanos = sentNanos;
    }

    /** Sends {@code request} (a gated {@code tools/call} with id {@code jsonRpcId}) and starts reading its answer. */
    static HeldCall open(HttpClient http, HttpRequest request, String jsonRpcId) {
        HeldCall call = new HeldCall(jsonRpcId, System.nanoTime());
        http.sendAsync(request, info -> {
                    boolean stream = info.statusCode() == 200 && info.headers().firstValue("Content-Type")
                            .map(type -> type.startsWith("text/event-stream")).orElse(false);
                    if (stream) {
                        return HttpResponse.BodySubscribers.fromLineSubscriber(call, s -> null, StandardCharsets.UTF_8, null);
                    }
                    // Not held: a refusal (429 over the caller's cap, 503 engine unavailable...) or a plain answer.
                    return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                            body -> {
                                call.fail(new IOException("not held: HTTP " + info.statusCode() + " " + oneLine(body)));
                                return null;
                            });
                })
                .whenComplete((response, error) -> {
                    if (error != null) {
                        call.fail(error);
                    }
                });
        return call;
    }

    String jsonRpcId() {
        return jsonRpcId;
    }

    long sentNanos() {
        return sentNanos;
    }

    /** The approval id from the first event, when it arrived. */
    CompletableFuture<Arrival<String>> approval() {
        return approval;
    }

    /** The JSON-RPC response (result or error) to this call, when it arrived. */
    CompletableFuture<Arrival<JsonNode>> answer() {
        return answer;
    }

    CompletableFuture<Void> ended() {
        return ended;
    }

    /** How the call ended, or where it is: for messages about calls that went wrong. */
    String outcome() {
        if (answer.isDone() && !answer.isCompletedExceptionally()) {
            return "answered " + oneLine(answer.join().value().toString());
        }
        if (answer.isCompletedExceptionally()) {
            return String.valueOf(answer.exceptionNow().getMessage());
        }
        return approval.isDone() ? "held" : "not held yet";
    }

    /** Closes the stream from this side, as a client that goes away. */
    void close() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        fail(new IOException("closed by the benchmark"));
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        long now = System.nanoTime();
        if (line.startsWith("data:")) {
            onData(line.substring(5).trim(), now);
        } else if (line.startsWith(":") && !approval.isDone()) {
            // Without a progress token the broker names the approval in a comment; this call sends one, but either will do.
            Matcher id = APPROVAL_ID.matcher(line);
            if (id.find()) {
                approval.complete(new Arrival<>(id.group(), now));
            }
        }
    }

    private void onData(String data, long now) {
        JsonNode message;
        try {
            message = JSON.readTree(data);
        } catch (IOException e) {
            fail(new IOException("an SSE event that is not JSON: " + oneLine(data)));
            return;
        }
        if ("notifications/progress".equals(message.path("method").asText())) {
            Matcher id = APPROVAL_ID.matcher(message.path("params").path("message").asText());
            if (id.find()) {
                approval.complete(new Arrival<>(id.group(), now));
            }
        } else if (message.has("id") && (message.has("result") || message.has("error"))) {
            if (!approval.isDone()) {
                approval.completeExceptionally(new IOException("answered without being held: " + oneLine(data)));
            }
            if (!jsonRpcId.equals(message.path("id").asText())) {
                fail(new IOException("an answer to request " + message.path("id") + ", not " + jsonRpcId));
                return;
            }
            answer.complete(new Arrival<>(message, now));
        }
    }

    @Override
    public void onError(Throwable error) {
        fail(error);
    }

    @Override
    public void onComplete() {
        fail(new IOException("the stream of " + jsonRpcId + " ended"
                + (approval.isDone() ? " without an answer" : " before naming an approval")));
    }

    private void fail(Throwable error) {
        approval.completeExceptionally(error);
        answer.completeExceptionally(error);
        ended.complete(null);
    }

    static String oneLine(String text) {
        String flat = text.replaceAll("\\s+", " ").trim();
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }
}
