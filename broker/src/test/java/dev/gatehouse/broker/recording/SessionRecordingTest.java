package dev.gatehouse.broker.recording;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.audit.ChainCheck;
import dev.gatehouse.activities.audit.ChainVerifier;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.TestStack;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every message of a session, the policy's decisions and the broker's refusals are recorded in
 * order, masked, with nothing of the caller's token or the upstream's credential.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionRecordingTest {

    private DemoUpstream upstream;
    private TestStack stack;

    @BeforeAll
    void start() {
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                    headers:
                      X-Api-Key: upstream-secret-key-123
                policies:
                  - name: nobody deletes customers
                    upstream: crm
                    tools: ["delete_*"]
                    action: deny
                    reason: deleting is switched off
                  - name: profiles are masked
                    upstream: crm
                    tools: ["get_customer_profile"]
                    groups: [agents]
                    action: allow
                    mask: default
                  - name: agents use the crm
                    upstream: crm
                    groups: [agents]
                    action: allow
                """.formatted(upstream.url()));
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    private McpSyncClient client(String token) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(stack.baseUrl().toString())
                .endpoint("/mcp/crm")
                .jsonMapper(new JacksonMcpJsonMapper(new ObjectMapper()))
                .addHttpRequestCustomizer((builder, method, uri, body, context) -> builder.header("Authorization", "Bearer " + token))
                .build();
        return McpClient.sync(transport).clientInfo(new Implementation("recording-test", "2.5"))
                .requestTimeout(Duration.ofSeconds(30)).build();
    }

    /** One recorded event, as the tests look at it. */
    private record Row(long seq, String direction, String kind, String method, String target, String outcome, String payload) {
        String shape() {
            return direction + " " + kind + " " + method;
        }
    }

    @Test
    void recordsEveryMessageDecisionAndRefusalOfASessionInOrder() throws Exception {
        String token = stack.token("recorded-agent", "agents");
        String profileText;
        McpSyncClient client = client(token);
        client.initialize();
        client.listTools();
        client.callTool(new CallToolRequest("search_customers", Map.of("query", "ada")));
        assertThatThrownBy(() -> client.callTool(new CallToolRequest("delete_customer", Map.of("id", "c-1001"))))
                .isInstanceOf(McpError.class).hasMessageContaining("deleting is switched off");
        CallToolResult profile = client.callTool(new CallToolRequest("get_customer_profile", Map.of("id", "c-1001")));
        profileText = ((TextContent) profile.content().getFirst()).text();
        assertThat(client.closeGracefully()).isTrue();

        // What the caller received followed the rule's masking profile.
        assertThat(profileText).contains("[EMAIL]").doesNotContain("ada.lovelace@example.com", "4111 1111 1111 1111");

        try (Connection db = DriverManager.getConnection(stack.dev().jdbcUrl())) {
            String sessionId = single(db, "select id from audit_session where caller_subject = 'recorded-agent' and id not like 'x-%'");
            List<Row> rows = events(db, sessionId);
            assertThat(rows).extracting(Row::seq).containsExactlyElementsOf(
                    java.util.stream.LongStream.rangeClosed(1, rows.size()).boxed().toList());
            assertThat(rows).extracting(Row::shape).containsSubsequence(
                    "broker session-start initialize",
                    "client message initialize",
                    "upstream message initialize",
                    "client message notifications/initialized",
                    "client message tools/list",
                    "upstream message tools/list",
                    "broker decision tools/call",
                    "client message tools/call",
                    "upstream message tools/call",
                    "broker decision tools/call",
                    "client message tools/call",
                    "broker refusal tools/call",
                    "broker decision tools/call",
                    "client message tools/call",
                    "upstream message tools/call",
                    "broker session-end null");
            assertThat(rows).filteredOn(r -> r.kind().equals("decision")).extracting(Row::target, Row::outcome).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("search_customers", "allowed"),
                    org.assertj.core.groups.Tuple.tuple("delete_customer", "denied"),
                    org.assertj.core.groups.Tuple.tuple("get_customer_profile", "allowed"));
            assertThat(rows).filteredOn(r -> r.kind().equals("refusal")).singleElement()
                    .satisfies(r -> assertThat(r.payload()).contains("nobody deletes customers", "-32015"));
            Row profileAnswer = rows.stream().filter(r -> r.direction().equals("upstream") && "tools/call".equals(r.method()))
                    .reduce((a, b) -> b).orElseThrow();
            assertThat(profileAnswer.payload()).contains("[EMAIL]", "[CARD]").doesNotContain("ada.lovelace@example.com", "078-05-1120");

            String session = single(db, "select client_name || ' ' || client_version || ' ' || end_reason || ' ' || "
                    + "array_to_string(tools, ',') || ' ' || array_to_string(outcomes, ',') from audit_session where id = '" + sessionId + "'");
            assertThat(session).startsWith("recording-test 2.5 deleted by client")
                    .contains("search_customers", "delete_customer", "get_customer_profile", "denied", "allowed");

            // Neither the caller's token nor the broker's upstream credential is anywhere in the record.
            String everything = single(db, "select string_agg(coalesce(payload::text, ''), ' ') from audit_event");
            assertThat(everything).doesNotContain(token, "upstream-secret-key-123");
            assertThat(new ChainVerifier(org.jdbi.v3.core.Jdbi.create(stack.dev().jdbcUrl()).installPlugin(new org.jdbi.v3.postgres.PostgresPlugin())).verify(sessionId))
                    .isInstanceOf(ChainCheck.Intact.class);
        }
    }

    @Test
    void recordsAnotherCallersAttemptToUseASession() throws Exception {
        RawMcp owner = stack.raw("crm").bearer(stack.token("session-owner", "agents"));
        String session = owner.initialize();
        HttpResponse<String> stolen = stack.raw("crm").bearer(stack.token("session-thief", "agents"))
                .with("Mcp-Session-Id", session)
                .post("""
                        {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search_customers","arguments":{}}}""");
        assertThat(stolen.statusCode()).isEqualTo(403);
        try (Connection db = DriverManager.getConnection(stack.dev().jdbcUrl())) {
            String refusal = single(db, """
                    select e.kind || ' ' || e.outcome || ' ' || e.target || ' ' || e.payload::text
                    from audit_event e join audit_session s on s.id = e.session_id
                    where s.caller_subject = 'session-thief' and e.kind = 'refusal'""");
            assertThat(refusal).startsWith("refusal refused search_customers").contains("-32012", "another caller");
        }
    }

    @Test
    void recordsASessionlessRequestInARecordingOfItsOwn() throws Exception {
        HttpResponse<String> response = stack.raw("crm").bearer(stack.token("no-session-agent", "agents"))
                .post("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_customer","arguments":{"id":"c-1"}}}""");
        assertThat(RawMcp.message(response).path("error").path("code").asInt()).isEqualTo(-32015);
        try (Connection db = DriverManager.getConnection(stack.dev().jdbcUrl())) {
            String id = single(db, "select id from audit_session where caller_subject = 'no-session-agent'");
            assertThat(id).startsWith("x-");
            assertThat(events(db, id)).extracting(Row::shape)
                    .containsExactly("broker decision tools/call", "client message tools/call", "broker refusal tools/call");
        }
    }

    private static List<Row> events(Connection db, String sessionId) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement("""
                select seq, direction, kind, method, target, outcome, payload::text from audit_event
                where session_id = ? order by seq""")) {
            query.setString(1, sessionId);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7)));
                }
            }
        }
        return rows;
    }

    private static String single(Connection db, String sql) throws SQLException {
        try (PreparedStatement query = db.prepareStatement(sql); ResultSet rs = query.executeQuery()) {
            assertThat(rs.next()).as("a row for: %s", sql).isTrue();
            String value = rs.getString(1);
            assertThat(rs.next()).as("only one row for: %s", sql).isFalse();
            return value;
        }
    }
}
