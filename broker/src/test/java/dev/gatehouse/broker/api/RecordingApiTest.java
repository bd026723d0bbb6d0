package dev.gatehouse.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.audit.AuditEvent;
import dev.gatehouse.activities.audit.AuditExport;
import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.ChainCheck;
import dev.gatehouse.activities.audit.Direction;
import dev.gatehouse.activities.audit.EventKind;
import dev.gatehouse.activities.audit.RecordingSession;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.audit.WriterSettings;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The recording API over real HTTP, against the real dev stack and sessions written by the real audit writer. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordingApiTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private TestStack stack;
    private Database database;
    private String auditor;
    private String admin;
    private String agent;

    @BeforeAll
    void start() throws Exception {
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: http://127.0.0.1:9/mcp
                roles:
                  auditors: [security]
                  admins: [platform]
                policies:
                  - name: everything
                    action: allow
                """);
        database = Database.open(new DatabaseSettings(stack.dev().jdbcUrl(), "postgres", "", 2, Duration.ofSeconds(10)));
        try (AuditWriter writer = new AuditWriter(database.jdbi(), WriterSettings.defaults())) {
            List<CompletableFuture<Void>> committed = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                String id = "api-" + i;
                RecordingSession session = new RecordingSession(id, "crm", "https://idp.example.com", "bot-" + i, null,
                        List.of("agents"), "test", "1", "2025-11-25", T0.plusSeconds(i));
                for (int n = 1; n <= 4; n++) {
                    committed.add(writer.append(session, new AuditEvent(id, T0.plusSeconds(i).plusMillis(n),
                            n % 2 == 1 ? Direction.CLIENT : Direction.UPSTREAM, EventKind.MESSAGE, n % 2 == 1 ? "tools/call" : null,
                            Integer.toString(n), "search_customers", null,
                            StorableJson.of("{\"jsonrpc\":\"2.0\",\"id\":" + n + ",\"params\":{\"q\":\"acme\"}}"), 50, Map.of(), false),
                            AuditWriter.Durability.FAIL_CLOSED));
                }
            }
            CompletableFuture.allOf(committed.toArray(CompletableFuture[]::new)).join();
        }
        auditor = stack.token("sam", "security");
        admin = stack.token("pat", "platform");
        agent = stack.token("ci-bot", "agents");
    }

    @AfterAll
    void stop() {
        database.close();
        stack.close();
    }

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stack.baseUrl() + path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode body(HttpResponse<String> response) throws IOException {
        return json.readTree(response.body());
    }

    @Test
    void refusesARequestWithoutATokenWithAChallenge() throws Exception {
        HttpResponse<String> response = get("/api/sessions", null);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(
                "Bearer resource_metadata=\"" + stack.baseUrl() + "/.well-known/oauth-protected-resource\"");
        assertThat(body(response).get("error").asText()).isEqualTo("unauthenticated");
    }

    @Test
    void refusesABadTokenAsInvalid() throws Exception {
        HttpResponse<String> response = get("/api/sessions", "not-a-jwt");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
        assertThat(body(response).get("message").asText()).isEqualTo("the bearer token is not a signed JWT");
    }

    @Test
    void refusesACallerWithoutTheAuditorRoleNamingIt() throws Exception {
        HttpResponse<String> response = get("/api/sessions", agent);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(body(response).get("message").asText()).isEqualTo(
                "this needs the auditor role (a group in roles.auditors [security] or roles.admins [platform]); the token's groups are [agents]");
    }

    @Test
    void listsSessionsNewestFirstPageByPage() throws Exception {
        HttpResponse<String> first = get("/api/sessions?upstream=crm&limit=2", auditor);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        JsonNode page = body(first);
        assertThat(page.get("sessions").findValuesAsText("id")).containsExactly("api-3", "api-2");
        String cursor = page.get("nextCursor").asText();
        JsonNode second = body(get("/api/sessions?upstream=crm&limit=2&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8), auditor));
        assertThat(second.get("sessions").findValuesAsText("id")).containsExactly("api-1");
        assertThat(second.get("nextCursor").isNull()).isTrue();
        // Admins may read too.
        assertThat(body(get("/api/sessions?caller=bot-2", admin)).get("sessions").findValuesAsText("id")).containsExactly("api-2");
    }

    @Test
    void showsOneSessionAndItsEventsInOrder() throws Exception {
        JsonNode session = body(get("/api/sessions/api-2", auditor));
        assertThat(session.get("eventCount").asLong()).isEqualTo(4);
        assertThat(session.get("callerSubject").asText()).isEqualTo("bot-2");

        JsonNode events = body(get("/api/sessions/api-2/events?after=1&limit=2", auditor));
        assertThat(events.get("events").findValues("seq")).extracting(JsonNode::asLong).containsExactly(2L, 3L);
        assertThat(events.get("events").get(0).get("payload").get("params").get("q").asText()).isEqualTo("acme");
        assertThat(events.get("events").get(0).get("hash").asText()).hasSize(64);
        assertThat(events.get("nextAfter").asLong()).isEqualTo(3);
        assertThat(body(get("/api/sessions/api-2/events?after=3", auditor)).get("nextAfter").isNull()).isTrue();
    }

    @Test
    void exportsASessionAsJsonLinesThatVerifyOffline() throws Exception {
        HttpResponse<String> response = get("/api/sessions/api-1/export", auditor);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/x-ndjson");
        List<String> lines = response.body().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(AuditExport.verifyLines(lines::stream)).isEqualTo(new ChainCheck.Intact(1, 4));
    }

    @Test
    void verifiesOneChainAndAll() throws Exception {
        JsonNode one = body(get("/api/sessions/api-3/verify", auditor));
        assertThat(one.get("intact").asBoolean()).isTrue();
        assertThat(one.get("eventsChecked").asLong()).isEqualTo(4);
        JsonNode all = body(get("/api/verify", auditor));
        assertThat(all.get("intact").asBoolean()).isTrue();
        assertThat(all.get("sessionsChecked").asLong()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void answersNotFoundForAnUnknownSession() throws Exception {
        for (String path : List.of("/api/sessions/nope", "/api/sessions/nope/events", "/api/sessions/nope/export", "/api/sessions/nope/verify")) {
            HttpResponse<String> response = get(path, auditor);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(body(response).get("message").asText()).isEqualTo("no session nope is recorded");
        }
    }

    @Test
    void answersBadRequestForBadFiltersAndCursors() throws Exception {
        assertThat(body(get("/api/sessions?cursor=garbage!", auditor)).get("message").asText())
                .isEqualTo("cursor is not one this API issued; pass nextCursor from a previous page unchanged");
        assertThat(get("/api/sessions?cursor=garbage!", auditor).statusCode()).isEqualTo(400);
        assertThat(body(get("/api/sessions?outcome=maybe", auditor)).get("message").asText()).startsWith("outcome must be one of");
        assertThat(body(get("/api/sessions?limit=501", auditor)).get("message").asText())
                .isEqualTo("limit must be a whole number from 1 to 500, not '501'");
        assertThat(body(get("/api/sessions?from=yesterday", auditor)).get("message").asText()).startsWith("from must be an ISO-8601 instant");
        assertThat(body(get("/api/sessions?callr=bob", auditor)).get("message").asText()).startsWith("unknown query parameter 'callr'");
    }

    @Test
    void retentionNeedsTheAdminRoleAndReportsWhatItDeleted() throws Exception {
        HttpResponse<String> refused = post("/api/retention", auditor, "{\"olderThanDays\": 30}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(body(refused).get("message").asText()).startsWith("this needs the admin role (a group in roles.admins [platform])");
        assertThat(post("/api/retention", admin, "{\"olderThanDays\": 0}").statusCode()).isEqualTo(400);

        // The seeded sessions are from 2025; a retention of 100 years keeps them all.
        HttpResponse<String> ran = post("/api/retention", admin, "{\"olderThanDays\": 36500}");
        assertThat(ran.statusCode()).isEqualTo(200);
        JsonNode run = body(ran);
        assertThat(run.get("ranBy").asText()).isEqualTo("pat");
        assertThat(run.get("sessionsDeleted").asLong()).isZero();
    }
}
