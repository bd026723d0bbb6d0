package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** An official-SDK MCP server that only speaks the legacy HTTP+SSE transport (2024-11-05). */
public final class LegacySseUpstream implements AutoCloseable {

    private final Server jetty;
    private final McpSyncServer mcp;
    private final URI sseUrl;

    private LegacySseUpstream(Server jetty, McpSyncServer mcp, URI sseUrl) {
        this.jetty = jetty;
        this.mcp = mcp;
        this.sseUrl = sseUrl;
    }

    public static LegacySseUpstream start() throws Exception {
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
        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder("mcp-sse", transport);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        jetty.setHandler(context);
        jetty.start();
        return new LegacySseUpstream(jetty, mcp, URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/sse"));
    }

    public URI sseUrl() {
        return sseUrl;
    }

    @Override
    public void close() throws Exception {
        mcp.closeGracefully();
        jetty.stop();
    }
}
