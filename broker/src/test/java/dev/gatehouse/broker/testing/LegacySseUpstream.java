package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.dev.LoopbackServletServer;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletSseServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** An official-SDK MCP server that only speaks the legacy HTTP+SSE transport (2024-11-05). */
public final class LegacySseUpstream implements AutoCloseable {

    private final LoopbackServletServer server;
    private final McpSyncServer mcp;
    private final URI sseUrl;

    private LegacySseUpstream(LoopbackServletServer server, McpSyncServer mcp, URI sseUrl) {
        this.server = server;
        this.mcp = mcp;
        this.sseUrl = sseUrl;
    }

    public static LegacySseUpstream start() {
        McpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
        HttpServletSseServerTransportProvider transport = HttpServletSseServerTransportProvider.builder()
                .jsonMapper(json).sseEndpoint("/sse").messageEndpoint("/message").build();
        Tool echo = Tool.builder().name("echo").description("echoes text, reporting progress")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}").build();
        Tool ask = Tool.builder().name("ask_model").description("asks the client's model")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}").build();
        McpSyncServer mcp = McpServer.sync(transport)
                .serverInfo("legacy-fixture", "1.0.0")
                .requestTimeout(Duration.ofSeconds(30))
                .capabilities(ServerCapabilities.builder().tools(true).logging().build())
                .tools(List.of(
                        SyncToolSpecification.builder().tool(echo).callHandler((exchange, request) -> {
                            Object token = request.progressToken();
                            if (token != null) {
                                exchange.progressNotification(ProgressNotification.builder(token, 1).total(1.0).build());
                            }
                            return CallToolResult.builder().addTextContent("legacy echo: " + request.arguments().get("text")).build();
                        }).build(),
                        SyncToolSpecification.builder().tool(ask).callHandler((exchange, request) -> {
                            CreateMessageResult answer = exchange.createMessage(CreateMessageRequest.builder()
                                    .messages(List.of(new SamplingMessage(Role.USER, new TextContent("say hi")))).maxTokens(10).build());
                            return CallToolResult.builder().addTextContent("model said: " + ((TextContent) answer.content()).text()).build();
                        }).build()))
                .build();
        LoopbackServletServer server = LoopbackServletServer.start(transport, "/*", 0);
        return new LegacySseUpstream(server, mcp, URI.create("http://127.0.0.1:" + server.port() + "/sse"));
    }

    public URI sseUrl() {
        return sseUrl;
    }

    @Override
    public void close() {
        mcp.closeGracefully();
        server.close();
    }
}
