package dev.gatehouse.notifier.slack;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A fake Slack Web API on loopback for tests: a real HTTP server answering {@code chat.postMessage},
 * {@code chat.update}, {@code chat.postEphemeral}, {@code views.open} and {@code users.info} as Slack
 * does, and recording every call. Point the Slack client at {@link #methodsUrl()}. It can fail the next
 * calls with an HTTP status (and {@code Retry-After}) or answer them with {@code ok: false}. Thread-safe.
 */
public final class FakeSlackApi implements AutoCloseable {

    /** One call as the fake received it: the method, its parameters (form fields or top-level JSON members) and the bearer token. */
    public record Call(String method, Map<String, String> params, String token, Instant at, String answer) {

        public Call {
            params = Map.copyOf(params);
        }

        /** A parameter, or "" when absent. */
        public String param(String name) {
            return params.getOrDefault(name, "");
        }

        /** The {@code ts} the fake answered with (a posted message's timestamp), or "" when it gave none. */
        public String answeredTs() {
            JsonElement ts = answer.isEmpty() ? null : JsonParser.parseString(answer).getAsJsonObject().get("ts");
            return ts == null ? "" : ts.getAsString();
        }

        /** A parameter holding JSON ({@code blocks}, {@code view}), parsed. */
        public JsonElement json(String name) {
            return JsonParser.parseString(params.get(name));
        }
    }

    private record Failure(int status, Integer retryAfterSeconds, String slackError) {
    }

    private static final Gson GSON = new Gson();

    private final HttpServer server;
    private final List<Call> calls = new ArrayList<>();
    private final Deque<Failure> failures = new ArrayDeque<>();
    private final Map<String, String> userEmails = new ConcurrentHashMap<>();
    private long nextTs = 1_700_000_000L;

    private FakeSlackApi(HttpServer server) {
        this.server = server;
    }

    public static FakeSlackApi start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            FakeSlackApi fake = new FakeSlackApi(server);
            server.createContext("/api/", fake::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The prefix the Slack client appends method names to ({@code SlackConfig.setMethodsEndpointUrlPrefix}). */
    public String methodsUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
    }

    /** Slack user {@code userId}'s profile shows {@code email} ({@code users.info}); users not added are {@code user_not_found}. */
    public FakeSlackApi withUser(String userId, String email) {
        userEmails.put(userId, email);
        return this;
    }

    /** The next {@code n} calls, whatever their method, answer HTTP {@code status} (with {@code Retry-After} when not null). */
    public synchronized void failNext(int n, int status, Integer retryAfterSeconds) {
        for (int i = 0; i < n; i++) {
            failures.add(new Failure(status, retryAfterSeconds, null));
        }
    }

    /** The next call answers HTTP 200 with {@code {"ok": false, "error": slackError}}, as Slack does for {@code channel_not_found}. */
    public synchronized void refuseNext(String slackError) {
        failures.add(new Failure(200, null, slackError));
    }

    /** Every call of {@code method} so far, oldest first (failed ones included). */
    public synchronized List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    /** Every call so far, oldest first. */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /**
     * Waits until a call of {@code method} matches {@code condition} and returns the first that does. Wakes on
     * each call rather than polling; fails at the deadline listing what was called.
     */
    public synchronized Call await(String method, Predicate<Call> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Call> found = calls.stream().filter(c -> c.method().equals(method)).filter(condition).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching " + method + " call within " + timeout + "; calls: " + calls);
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + method, e);
            }
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestURI().getPath().substring("/api/".length());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String contentType = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type")).orElse("");
            Map<String, String> params = contentType.startsWith("application/json") ? jsonParams(body) : formParams(body);
            String authorization = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse("");
            String token = authorization.startsWith("Bearer ") ? authorization.substring(7) : params.getOrDefault("token", "");
            Failure failure;
            String answer;
            synchronized (this) {
                failure = failures.poll();
                if (failure == null) {
                    answer = GSON.toJson(answer(method, params, token));
                } else if (failure.slackError() != null) {
                    answer = GSON.toJson(error(failure.slackError()));
                } else {
                    answer = "{\"ok\":false,\"error\":\"" + (failure.status() == 429 ? "ratelimited" : "internal_error") + "\"}";
                }
                calls.add(new Call(method, params, token, Instant.now(), answer));
                notifyAll();
            }
            if (failure != null && failure.retryAfterSeconds() != null) {
                exchange.getResponseHeaders().add("Retry-After", String.valueOf(failure.retryAfterSeconds()));
            }
            send(exchange, failure == null ? 200 : failure.status(), answer);
        }
    }

    /** Called holding the lock: makes message timestamps unique and ordered. */
    private JsonObject answer(String method, Map<String, String> params, String token) {
        if (token.isEmpty()) {
            return error("not_authed");
        }
        JsonObject ok = new JsonObject();
        ok.addProperty("ok", true);
        switch (method) {
            case "chat.postMessage" -> {
                String ts = (nextTs++) + ".000100";
                ok.addProperty("channel", params.get("channel"));
                ok.addProperty("ts", ts);
                JsonObject message = new JsonObject();
                message.addProperty("ts", ts);
                message.addProperty("text", params.getOrDefault("text", ""));
                ok.add("message", message);
            }
            case "chat.update" -> {
                ok.addProperty("channel", params.get("channel"));
                ok.addProperty("ts", params.get("ts"));
            }
            case "chat.postEphemeral" -> ok.addProperty("message_ts", (nextTs++) + ".000200");
            case "views.open" -> {
                JsonObject view = new JsonObject();
                view.addProperty("id", "V" + (nextTs++));
                ok.add("view", view);
            }
            case "users.info" -> {
                String email = userEmails.get(params.getOrDefault("user", ""));
                if (email == null) {
                    return error("user_not_found");
                }
                JsonObject user = new JsonObject();
                user.addProperty("id", params.get("user"));
                JsonObject profile = new JsonObject();
                if (!email.isEmpty()) {
                    profile.addProperty("email", email);
                }
                user.add("profile", profile);
                ok.add("user", user);
            }
            default -> {
                return error("unknown_method");
            }
        }
        return ok;
    }

    private static JsonObject error(String code) {
        JsonObject error = new JsonObject();
        error.addProperty("ok", false);
        error.addProperty("error", code);
        return error;
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static Map<String, String> formParams(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            params.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    private static Map<String, String> jsonParams(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        JsonParser.parseString(body).getAsJsonObject().entrySet().forEach(member -> params.put(member.getKey(),
                member.getValue().isJsonPrimitive() ? member.getValue().getAsString() : member.getValue().toString()));
        return params;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    @Override
    public String toString() {
        return "FakeSlackApi[" + methodsUrl() + "]";
    }
}
