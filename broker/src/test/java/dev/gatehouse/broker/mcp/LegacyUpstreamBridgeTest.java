package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.testing.LegacySseUpstream;
import dev.gatehouse.broker.testing.TestStack;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A Streamable HTTP client reaches an upstream that only speaks legacy HTTP+SSE, through the broker's bridge. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LegacyUpstreamBridgeTest {

    private LegacySseUpstream upstream;
    private TestStack stack;

    @BeforeAll
    void start() throws Exception {
        upstream = LegacySseUpstream.start();
        stack = TestStack.start("""
                upstreams:
                  - name: legacy
                    url: %s
                    transport: sse
                policies:
                  - name: tests may call everything
                    action: allow
                """.formatted(upstream.sseUrl()));
    }

    @AfterAll
    void stop() throws Exception {
        stack.close();
        upstream.close();
    }

    @Test
    void bridgesToolsProgressAndSamplingToALegacyUpstream() throws Exception {
        String token = stack.token("agent", "agents");
        BlockingQueue<ProgressNotification> progress = new LinkedBlockingQueue<>();
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(stack.baseUrl().toString())
                .endpoint("/mcp/legacy")
                .jsonMapper(new JacksonMcpJsonMapper(new ObjectMapper()))
                // The bridge carries the transport, not the protocol: the upstream still negotiates 2024-11-05.
                .supportedProtocolVersions(List.of("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"))
                .addHttpRequestCustomizer((b, method, uri, body, ctx) -> b.header("Authorization", "Bearer " + token))
                .build();
        try (McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(30))
                .capabilities(ClientCapabilities.builder().sampling().build())
                .sampling(r -> CreateMessageResult.builder().role(Role.ASSISTANT).content(new TextContent("hi there"))
                        .model("m").stopReason(CreateMessageResult.StopReason.END_TURN).build())
                .progressConsumer(progress::add)
                .build()) {
            assertThat(client.initialize().serverInfo().name()).isEqualTo("legacy-fixture");
            assertThat(client.listTools().tools()).extracting(t -> t.name()).containsExactlyInAnyOrder("echo", "ask_model");

            var echoed = client.callTool(CallToolRequest.builder().name("echo").arguments(Map.of("text", "old friend"))
                    .progressToken("legacy-1").build());
            assertThat(((TextContent) echoed.content().getFirst()).text()).isEqualTo("legacy echo: old friend");
            assertThat(progress.poll(10, TimeUnit.SECONDS)).isNotNull().extracting(ProgressNotification::progressToken)
                    .isEqualTo("legacy-1");

            var asked = client.callTool(new CallToolRequest("ask_model", Map.of()));
            assertThat(((TextContent) asked.content().getFirst()).text()).isEqualTo("model said: hi there");
        }
    }

    @Test
    void endsTheBridgedSessionOnDelete() {
        var raw = stack.raw("legacy").bearer(stack.token("agent-2", "agents"));
        var inSession = raw.with("Mcp-Session-Id", raw.initialize());
        assertThat(inSession.delete().statusCode()).isEqualTo(200);
        HttpResponse<String> after = inSession.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
        assertThat(after.statusCode()).isEqualTo(404);
    }
}
