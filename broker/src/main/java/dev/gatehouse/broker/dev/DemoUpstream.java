package dev.gatehouse.broker.dev;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;

import java.net.URI;
import java.time.Duration;

/**
 * The dev stack's demo upstream: a real MCP server (official Java SDK, Streamable HTTP) with
 * tools that show what the broker does — a read, a destructive delete, output full of personal
 * data and secrets, a slow export with progress, and tools that ask the client for sampling
 * and elicitation — plus a resource that can be subscribed to and a prompt.
 */
public final class DemoUpstream implements AutoCloseable {

    private final LoopbackServletServer server;
    private final McpSyncServer mcp;
    private final URI url;

    private DemoUpstream(LoopbackServletServer server, McpSyncServer mcp, URI url) {
        this.server = server;
        this.mcp = mcp;
        this.url = url;
    }

    /** Starts on 127.0.0.1; port 0 picks a free one. */
    public static DemoUpstream start(int port) {
        return start("127.0.0.1", port);
    }

    /** Starts on {@code host} (an address to bind, e.g. 0.0.0.0 in a container); port 0 picks a free one. */
    public static DemoUpstream start(String host, int port) {
        McpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint("/mcp")
                .keepAliveInterval(Duration.ofSeconds(20))
                .build();
        DemoCatalog catalog = new DemoCatalog(json);
        McpSyncServer mcp = McpServer.sync(transport)
                .serverInfo("gatehouse-demo-crm", "1.0.0")
                .instructions("A demo CRM. Reads flow freely; deletions are destructive.")
                // Elicitation and sampling wait for a person or a model on the far side of the broker.
                .requestTimeout(Duration.ofMinutes(5))
                .capabilities(ServerCapabilities.builder()
                        .tools(true)
                        .resources(true, true)
                        .prompts(true)
                        .logging()
                        .completions()
                        .build())
                .tools(catalog.tools())
                .resources(catalog.resources())
                .resourceTemplates(catalog.resourceTemplates())
                .prompts(catalog.prompts())
                .completions(catalog.completions())
                .build();
        catalog.attach(mcp);

        LoopbackServletServer server;
        try {
            server = LoopbackServletServer.start(transport, "/mcp", host, port);
        } catch (RuntimeException e) {
            mcp.close();
            throw e;
        }
        String shown = host.equals("0.0.0.0") ? "127.0.0.1" : host;
        URI url = URI.create("http://" + shown + ":" + server.port() + "/mcp");
        return new DemoUpstream(server, mcp, url);
    }

    public URI url() {
        return url;
    }

    @Override
    public void close() {
        try {
            mcp.closeGracefully();
        } finally {
            server.close();
        }
    }
}
