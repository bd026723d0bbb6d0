package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.TestStack;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.CompleteRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.GetPromptRequest;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceRequest;
import io.modelcontextprotocol.spec.McpSchema.ResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SubscribeRequest;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official MCP Java SDK client, through the broker, against an official-SDK upstream (the demo CRM). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdkClientThroughBrokerTest {

    private DemoUpstream upstream;
    private TestStack stack;

    @BeforeAll
    void start() {
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                approvers:
                  dba: { members: [dba@example.com] }
                policies:
                  - name: nobody deletes customers here
                    upstream: crm
                    tools: ["delete_*"]
                    action: deny
                    reason: deleting is switched off in this environment
                  - name: big exports need a DBA
                    upstream: crm
                    tools: ["export_report"]
                    when: "has(args.steps) && args.steps > 10"
                    action: approve
                    approval: { approvers: [dba] }
                  - name: one record is private
                    upstream: crm
                    resources: ["crm://customers/c-1003"]
                    action: deny
                    reason: Grace asked us to keep hers private
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

    private McpClient.SyncSpec client(String token) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(stack.baseUrl().toString())
                .endpoint("/mcp/crm")
                .jsonMapper(new JacksonMcpJsonMapper(new ObjectMapper()))
                .addHttpRequestCustomizer((builder, method, uri, body, context) -> builder.header("Authorization", "Bearer " + token))
                .build();
        return McpClient.sync(transport)
                .clientInfo(new Implementation("gatehouse-test", "1.0"))
                .requestTimeout(Duration.ofSeconds(30));
    }

    @Test
    void initializesListsAndCallsTools() {
        try (McpSyncClient client = client(stack.token("agent-1", "agents")).build()) {
            assertThat(client.initialize().serverInfo().name()).isEqualTo("gatehouse-demo-crm");
            assertThat(client.listTools().tools()).extracting(t -> t.name())
                    .contains("search_customers", "get_customer_profile", "export_report");
            CallToolResult result = client.callTool(new CallToolRequest("search_customers", Map.of("query", "ada")));
            assertThat(((TextContent) result.content().getFirst()).text()).contains("Ada Lovelace");
            assertThat(result.structuredContent()).isNotNull();
        }
    }

    @Test
    void answersADeniedCallWithThePolicyAndItsReason() {
        try (McpSyncClient client = client(stack.token("agent-denied", "agents")).build()) {
            client.initialize();
            assertThatThrownBy(() -> client.callTool(new CallToolRequest("delete_customer", Map.of("id", "c-1001"))))
                    .isInstanceOf(McpError.class)
                    .hasMessageContaining("call to 'delete_customer' denied by policy 'nobody deletes customers here':"
                            + " deleting is switched off in this environment");
            // The session is unharmed: the next allowed call goes through.
            assertThat(client.callTool(new CallToolRequest("search_customers", Map.of())).isError()).isFalse();
        }
    }

    @Test
    void listsOnlyTheToolsTheCallerCouldUse() {
        try (McpSyncClient agent = client(stack.token("agent-lister", "agents")).build();
             McpSyncClient stranger = client(stack.token("stranger-lister", "visitors")).build()) {
            agent.initialize();
            assertThat(agent.listTools().tools()).extracting(t -> t.name())
                    .contains("search_customers", "export_report", "get_customer_profile")
                    .doesNotContain("delete_customer");
            stranger.initialize();
            // Big exports can be approved for anyone; everything else is denied to visitors.
            assertThat(stranger.listTools().tools()).extracting(t -> t.name()).containsExactly("export_report");
        }
    }

    @Test
    void holdsAnApprovalGatedCallTellingWhomItWaitsForUntilApproved() throws Exception {
        BlockingQueue<ProgressNotification> progress = new LinkedBlockingQueue<>();
        try (McpSyncClient client = client(stack.token("agent-gated", "agents")).progressConsumer(progress::add)
                .requestTimeout(Duration.ofSeconds(60)).build();
             java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            client.initialize();
            // Its own thread: the SDK hands notifications to the common pool, which a blocked call there would starve.
            java.util.concurrent.Future<CallToolResult> call = caller.submit(() ->
                    client.callTool(CallToolRequest.builder().name("export_report")
                            .arguments(Map.of("steps", 20, "delayMs", 0)).progressToken("gated-1").build()));
            ProgressNotification waiting = progress.poll(30, TimeUnit.SECONDS);
            assertThat(waiting).as("a progress notification while the call waits").isNotNull();
            assertThat(waiting.progressToken()).isEqualTo("gated-1");
            assertThat(waiting.message()).contains("waiting for approval apr-").contains("by dba (1 needed) until ");
            String approvalId = waiting.message().replaceAll(".*(apr-[0-9a-f-]{36}).*", "$1");
            assertThat(call).isNotDone();

            java.net.http.HttpResponse<String> decided = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(stack.baseUrl() + "/api/approvals/" + approvalId + "/decision"))
                            .header("Authorization", "Bearer " + stack.token("dba", "staff"))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"decision\":\"approve\",\"reason\":\"fine\"}"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);

            CallToolResult result = call.get(30, TimeUnit.SECONDS);
            assertThat(((TextContent) result.content().getFirst()).text()).isEqualTo("Report exported: 20 parts.");
        }
    }

    @Test
    void deniesCallersOutsideTheAllowedGroups() {
        try (McpSyncClient client = client(stack.token("stranger", "visitors")).build()) {
            client.initialize();
            assertThatThrownBy(() -> client.callTool(new CallToolRequest("search_customers", Map.of())))
                    .isInstanceOf(McpError.class)
                    .hasMessageContaining("denied by policy 'default deny': no policy allows this call");
        }
    }

    @Test
    void closingTheClientDeletesItsSessionThroughTheBroker() throws Exception {
        McpSyncClient client = client(stack.token("agent-closing", "agents")).build();
        client.initialize();
        client.listTools();
        assertThat(client.closeGracefully()).isTrue();
        try (var connection = java.sql.DriverManager.getConnection(stack.dev().jdbcUrl());
             var query = connection.prepareStatement(
                     "select ended_at, end_reason from mcp_session where caller_subject = 'agent-closing'")) {
            var row = query.executeQuery();
            assertThat(row.next()).isTrue();
            assertThat(row.getTimestamp("ended_at")).isNotNull();
            assertThat(row.getString("end_reason")).isEqualTo("deleted by client");
        }
    }

    @Test
    void relaysProgressAndLoggingWhileAToolRuns() throws Exception {
        BlockingQueue<ProgressNotification> progress = new LinkedBlockingQueue<>();
        List<LoggingMessageNotification> logs = new CopyOnWriteArrayList<>();
        try (McpSyncClient client = client(stack.token("agent-2", "agents"))
                .progressConsumer(progress::add)
                .loggingConsumer(logs::add)
                .build()) {
            client.initialize();
            client.setLoggingLevel(LoggingLevel.INFO);
            CallToolResult result = client.callTool(CallToolRequest.builder().name("export_report")
                    .arguments(Map.of("steps", 3, "delayMs", 50)).progressToken("export-1").build());
            assertThat(((TextContent) result.content().getFirst()).text()).isEqualTo("Report exported: 3 parts.");
            for (int i = 0; i < 3; i++) {
                ProgressNotification p = progress.poll(10, TimeUnit.SECONDS);
                assertThat(p).as("progress notification %d", i + 1).isNotNull();
                assertThat(p.progressToken()).isEqualTo("export-1");
            }
            assertThat(logs).extracting(l -> String.valueOf(l.data())).anyMatch(d -> d.contains("report exported"));
        }
    }

    @Test
    void readsResourcesAndDeliversSubscribedUpdates() throws Exception {
        BlockingQueue<List<ResourceContents>> updates = new LinkedBlockingQueue<>();
        try (McpSyncClient client = client(stack.token("agent-3", "agents")).resourcesUpdateConsumer(updates::add).build()) {
            client.initialize();
            assertThat(client.listResources().resources()).extracting(r -> r.uri()).contains("crm://status");
            assertThat(client.listResourceTemplates().resourceTemplates()).extracting(t -> t.uriTemplate())
                    .contains("crm://customers/{id}");
            TextResourceContents customer = (TextResourceContents) client
                    .readResource(new ReadResourceRequest("crm://customers/c-1002")).contents().getFirst();
            assertThat(customer.text()).contains("Alan Turing");

            client.subscribeResource(new SubscribeRequest("crm://status"));
            client.callTool(new CallToolRequest("touch_status", Map.of()));
            List<ResourceContents> update = updates.poll(15, TimeUnit.SECONDS);
            assertThat(update).as("resource update after subscribe").isNotNull();
            assertThat(((TextResourceContents) update.getFirst()).text()).startsWith("status version");
        }
    }

    @Test
    void decidesResourceReadsOnceARuleNamesResources() {
        try (McpSyncClient client = client(stack.token("agent-reader", "agents")).build()) {
            client.initialize();
            assertThat(((TextResourceContents) client.readResource(new ReadResourceRequest("crm://customers/c-1001"))
                    .contents().getFirst()).text()).contains("Ada Lovelace");
            assertThatThrownBy(() -> client.readResource(new ReadResourceRequest("crm://customers/c-1003")))
                    .isInstanceOf(McpError.class)
                    .hasMessageContaining("read of resource 'crm://customers/c-1003' denied by policy"
                            + " 'one record is private': Grace asked us to keep hers private");
        }
    }

    @Test
    void refusesASessionIdCreatedByAnotherCaller() {
        var alice = stack.raw("crm").bearer(stack.token("alice-sdk", "agents"));
        String alicesSession = alice.initialize();
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(stack.baseUrl().toString())
                .endpoint("/mcp/crm")
                .jsonMapper(new JacksonMcpJsonMapper(new ObjectMapper()))
                .addHttpRequestCustomizer((builder, method, uri, body, context) -> builder
                        .header("Authorization", "Bearer " + stack.token("mallory-sdk", "agents"))
                        .setHeader("Mcp-Session-Id", alicesSession))
                .build();
        try (McpSyncClient mallory = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(10)).build()) {
            // The broker answers 403; the SDK reports it as an authorization error and never gets a session.
            assertThatThrownBy(mallory::initialize).hasStackTraceContaining("McpHttpClientTransportAuthorizationException");
        }
        // Alice's session is untouched.
        var response = alice.with("Mcp-Session-Id", alicesSession).with("MCP-Protocol-Version", "2025-11-25")
                .post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void refusesResourceUrisNotInNormalFormOnceResourcesAreGoverned() {
        var raw = stack.raw("crm").bearer(stack.token("agent-dots", "agents"));
        var inSession = raw.with("Mcp-Session-Id", raw.initialize()).with("MCP-Protocol-Version", "2025-11-25");
        var response = inSession.post("""
                {"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"crm://customers/./c-1003"}}""");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(dev.gatehouse.broker.testing.RawMcp.message(response).path("error").path("message").asText())
                .isEqualTo("resource URI 'crm://customers/./c-1003' is not in normal form (it has '.' or '..' segments);"
                        + " policies decide on the normal spelling, so send that");
    }

    @Test
    void getsPromptsAndCompletions() {
        try (McpSyncClient client = client(stack.token("agent-4", "agents")).build()) {
            client.initialize();
            assertThat(client.listPrompts().prompts()).extracting(p -> p.name()).contains("draft_customer_email");
            var prompt = client.getPrompt(new GetPromptRequest("draft_customer_email", Map.of("customer_id", "c-1003")));
            assertThat(((TextContent) prompt.messages().getFirst().content()).text()).contains("Grace Hopper");
            var completion = client.completeCompletion(new CompleteRequest(new PromptReference("draft_customer_email"),
                    new CompleteRequest.CompleteArgument("customer_id", "c-100")));
            assertThat(completion.completion().values()).contains("c-1001", "c-1002", "c-1003");
        }
    }

    @Test
    void carriesSamplingRequestsToTheClientAndItsAnswerBack() {
        try (McpSyncClient client = client(stack.token("agent-5", "agents"))
                .capabilities(ClientCapabilities.builder().sampling().build())
                .sampling(request -> CreateMessageResult.builder().role(Role.ASSISTANT)
                        .content(new TextContent("a loyal enterprise customer")).model("test-model")
                        .stopReason(CreateMessageResult.StopReason.END_TURN).build())
                .build()) {
            client.initialize();
            CallToolResult result = client.callTool(new CallToolRequest("summarize_with_model", Map.of("id", "c-1001")));
            assertThat(((TextContent) result.content().getFirst()).text())
                    .isEqualTo("Summary (by test-model): a loyal enterprise customer");
        }
    }

    @Test
    void carriesElicitationToTheClientAndItsAnswerBack() {
        try (McpSyncClient client = client(stack.token("agent-6", "agents"))
                .capabilities(ClientCapabilities.builder().elicitation().build())
                .elicitation(request -> new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("confirm", true)))
                .build()) {
            client.initialize();
            CallToolResult result = client.callTool(new CallToolRequest("confirm_with_user", Map.of("action", "archive c-1002")));
            assertThat(((TextContent) result.content().getFirst()).text()).isEqualTo("Confirmed: archive c-1002");
        }
    }
}
