package dev.gatehouse.broker.dev;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.net.URI;
import java.time.Duration;

/**
 * The dev stack's demo upstream: a real MCP server (official Java SDK, Streamable HTTP) with
 * tools that show what the broker does — a read, a destructive delete, output full of personal
 * data and secrets, a slow export with progress, and tools that ask the client for sampling
 * and elicitation — plus a resource that can be subscribed to and a prompt.
 */
public final class DemoUpstream implements AutoCloseable {

    private final Server jetty;
    private final McpSyncServer mcp;
    private final URI url;

    private DemoUpstream(Server jetty, McpSyncServer mcp, URI url) {
        this.jetty = jetty;
        this.mcp = mcp;
        this.url = url;
    }

    /** Starts on 127.0.0.1; port 0 picks a free one. */
    public static DemoUpstream start(int port) {
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

        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setIdleTimeout(Duration.ofMinutes(10).toMillis());
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder("mcp", transport);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");
        jetty.setHandler(context);
        try {
            jetty.start();
        } catch (Exception e) {
            mcp.close();
            throw new IllegalStateException("cannot start the demo upstream on port " + port, e);
        }
        URI url = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/mcp");
        return new DemoUpstream(jetty, mcp, url);
    }

    public URI url() {
        return url;
    }

    @Override
    public void close() {
        try {
            mcp.closeGracefully();
        } finally {
            try {
                jetty.stop();
            } catch (Exception e) {
                // Shutting down; the port is released with the process at the latest.
            }
        }
    }
}
