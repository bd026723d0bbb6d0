package dev.gatehouse.activities.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.workflows.relay.RelayRequest;
import dev.gatehouse.workflows.relay.RelayResponse;
import dev.gatehouse.workflows.relay.UpstreamRelay;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The agent's side of {@link UpstreamRelay}: sends the broker's message to the upstream beside the agent, with
 * the upstream's URL and credentials from the agent's configuration, and returns its whole answer. An SSE answer
 * is read up to and including the event that carries the response (progress and log notifications before it
 * travel along); a request from the upstream to the client cannot be answered across a task queue, so it ends the
 * exchange with an error naming the limitation. Answers are capped, as Temporal payloads must be small.
 */
public final class UpstreamRelayImpl implements UpstreamRelay {

    static final int MAX_ANSWER_CHARS = 1 << 20;
    /** Well inside the relay's heartbeat timeout (10 s). */
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(2);
    private static final ScheduledExecutorService HEARTBEATS = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("relay-heartbeats").factory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ? extends UpstreamClient> upstreams;

    public UpstreamRelayImpl(Map<String, ? extends UpstreamClient> upstreams) {
        this.upstreams = Map.copyOf(upstreams);
    }

    @Override
    public RelayResponse exchange(RelayRequest request) {
        ActivityExecutionContext activity = currentActivity();
        // While the upstream works, Temporal hears from this agent: one that dies mid-call is noticed in seconds.
        ScheduledFuture<?> beats = activity == null ? null
                : HEARTBEATS.scheduleAtFixedRate(() -> heartbeat(activity), HEARTBEAT_EVERY.toMillis(), HEARTBEAT_EVERY.toMillis(),
                        TimeUnit.MILLISECONDS);
        try {
            return exchangeWithUpstream(request);
        } finally {
            if (beats != null) {
                beats.cancel(false);
            }
        }
    }

    private RelayResponse exchangeWithUpstream(RelayRequest request) {
        UpstreamClient client = upstreams.get(request.upstream());
        if (client == null) {
            return RelayResponse.failed("this agent serves no upstream '" + request.upstream() + "' (it serves "
                    + new TreeSet<>(upstreams.keySet()) + "); the request was not sent", false);
        }
        if (!request.method().equals("POST") && !request.method().equals("DELETE")) {
            return RelayResponse.failed("an agent relays POST and DELETE only, not " + request.method() + "; not sent", false);
        }
        UpstreamRequest outgoing = new UpstreamRequest(request.method(), client.target().url(), request.headers(),
                request.body().getBytes(StandardCharsets.UTF_8));
        try (UpstreamResponse response = client.send(outgoing)) {
            String body = response.isEventStream() ? eventsUpToTheResponse(response, requestId(request.body()))
                    : wholeBody(response);
            return RelayResponse.answered(response.status(), response.headers(), body);
        } catch (UpstreamException e) {
            return RelayResponse.failed(e.getMessage(), e instanceof UpstreamException.TimedOut);
        } catch (RelayRefusal e) {
            return RelayResponse.failed("upstream '" + request.upstream() + "' " + e.getMessage(), true);
        } catch (IOException e) {
            return RelayResponse.failed("upstream '" + request.upstream() + "' broke off its answer (" + e.getMessage()
                    + "); the request may have run", true);
        }
    }

    /** The activity this exchange runs in; null when called directly (tests). */
    private static ActivityExecutionContext currentActivity() {
        try {
            return Activity.getExecutionContext();
        } catch (IllegalStateException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static void heartbeat(ActivityExecutionContext activity) {
        try {
            activity.heartbeat(null);
        } catch (RuntimeException e) {
            // Cancelled or timed out already: the workflow has its answer, and the next beat is cancelled with this one.
        }
    }

    private static String wholeBody(UpstreamResponse response) throws IOException {
        byte[] body = response.body().readNBytes(MAX_ANSWER_CHARS + 1);
        if (body.length > MAX_ANSWER_CHARS) {
            throw new RelayRefusal("answered with more than " + MAX_ANSWER_CHARS + " bytes, more than an agent carries");
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    private static String eventsUpToTheResponse(UpstreamResponse response, Optional<JsonNode> id) throws IOException {
        StringBuilder events = new StringBuilder();
        StringBuilder data = new StringBuilder();
        BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null) {
            events.append(line).append('\n');
            if (events.length() > MAX_ANSWER_CHARS) {
                throw new RelayRefusal("answered with more than " + MAX_ANSWER_CHARS + " characters of events, more than an"
                        + " agent carries");
            }
            if (line.startsWith("data:")) {
                data.append(line.substring(5).strip());
            } else if (line.isEmpty() && !data.isEmpty()) {
                JsonNode message = parse(data.toString());
                data.setLength(0);
                if (message != null && message.has("method") && message.has("id")) {
                    throw new RelayRefusal("asked the client something mid-call (" + message.path("method").asText()
                            + "); requests from an upstream to the client cannot cross an agent. The request may have run");
                }
                if (message != null && !message.has("method") && id.isPresent() && id.get().equals(message.path("id"))) {
                    return events.toString();
                }
            }
        }
        return events.toString();
    }

    private static Optional<JsonNode> requestId(String body) {
        JsonNode message = parse(body);
        return message == null || !message.has("id") ? Optional.empty() : Optional.of(message.get("id"));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    /** Why an answer cannot be carried back, said of the upstream. */
    private static final class RelayRefusal extends RuntimeException {
        RelayRefusal(String message) {
            super(message, null, false, false);
        }
    }
}
