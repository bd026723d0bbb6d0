package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker's JSON APIs (decisions, recordings) over real HTTP, called as a named person whose bearer
 * token {@code tokenOf} supplies. A broker that cannot be reached is an {@link IllegalStateException},
 * which {@link Poll} asks again after; a wrong status is an assertion failure with the body. Thread-safe.
 */
public final class GatehouseApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final Function<String, String> tokenOf;

    /** @param base the broker's public URL, without a trailing slash */
    public GatehouseApi(URI base, Function<String, String> tokenOf) {
        this.base = base;
        this.tokenOf = tokenOf;
    }

    /**
     * The APIs of {@code stack} as anyone, by subject, with the dev issuer's tokens; {@code "auditor"} is in
     * {@code auditorGroup}, so it may list every approval and recording.
     */
    public static GatehouseApi of(TestStack stack, String auditorGroup) {
        return new GatehouseApi(stack.baseUrl(), who -> who.equals("auditor") ? stack.token("auditor", auditorGroup) : stack.token(who));
    }

    /** {@code method path} as {@code who}, with a JSON {@code body} or none. */
    public HttpResponse<String> send(String who, String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + tokenOf.apply(who))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The JSON body of a GET that must answer 200. */
    public JsonNode get(String who, String path) {
        HttpResponse<String> response = send(who, "GET", path, null);
        assertThat(response.statusCode()).as("GET %s as %s: %s", path, who, response.body()).isEqualTo(200);
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /**
     * The approval once its decisions are on record. The workflow takes a decision at once and
     * records it moments later, with the call's outcome, so a read straight after deciding may
     * not show it yet; this waits (10 s at most) instead of racing the record.
     */
    public JsonNode decidedApproval(String who, String approvalId) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            JsonNode approval = get(who, "/api/approvals/" + approvalId);
            boolean recorded = approval.path("decisions").size() > 0 && !approval.path("status").asText().equals("pending");
            if (recorded || System.nanoTime() > deadline) {
                return approval;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return approval;
            }
        }
    }

    /** {@code POST /api/approvals/{id}/decision}; the status is the caller's to check. */
    public HttpResponse<String> decide(String who, String approvalId, String decision, String reason) {
        try {
            return send(who, "POST", "/api/approvals/" + approvalId + "/decision",
                    JSON.writeValueAsString(Map.of("decision", decision, "reason", reason)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The approvals {@code who} sees; {@code query} as {@code GET /api/approvals} takes it, e.g. {@code status=pending}, or "" for all. */
    public List<JsonNode> approvals(String who, String query) {
        return elements(get(who, "/api/approvals?" + (query.isEmpty() ? "" : query + "&") + "limit=500").path("approvals"));
    }

    /** The recorded events of a session, as {@code auditor} (who must have the auditor role) reads them. */
    public List<JsonNode> events(String auditor, String sessionId) {
        return elements(get(auditor, "/api/sessions/" + sessionId + "/events?limit=500").path("events"));
    }

    public static List<JsonNode> elements(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    public static List<String> strings(JsonNode array) {
        return elements(array).stream().map(JsonNode::asText).toList();
    }
}
