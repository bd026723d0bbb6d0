package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.dev.LoopbackServletServer;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An official-SDK MCP server (Streamable HTTP, on loopback) whose tools count how often they ran for
 * each record id: {@code delete_record {id}} answers "deleted &lt;id&gt;", {@code purge_record {id}}
 * "purged &lt;id&gt;", {@code get_record {id}} "record &lt;id&gt;", {@code slow_record {id}} "slow &lt;id&gt;"
 * after {@link #SLOW} (counted when it starts, so a test sees a call in flight). How tests prove a call ran
 * exactly once, or never. Thread-safe.
 */
public final class CountingUpstream implements AutoCloseable {

    /** How long {@code slow_record} takes. */
    public static final Duration SLOW = Duration.ofSeconds(3);

    private static final String ID_SCHEMA = """
            {"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""";

    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final LoopbackServletServer server;
    private final McpSyncServer mcp;

    private CountingUpstream() {
        McpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint("/mcp")
                .build();
        this.mcp = McpServer.sync(transport)
                .serverInfo("counting-crm", "1.0.0")
                .capabilities(ServerCapabilities.builder().tools(true).build())
                .requestTimeout(Duration.ofSeconds(30))
                .tools(List.of(tool(json, "delete_record", "deleted"), tool(json, "purge_record", "purged"),
                        tool(json, "get_record", "record"), tool(json, "slow_record", "slow")))
                .build();
        try {
            this.server = LoopbackServletServer.start(transport, "/mcp", 0);
        } catch (RuntimeException e) {
            mcp.close();
            throw e;
        }
    }

    public static CountingUpstream start() {
        return new CountingUpstream();
    }

    private SyncToolSpecification tool(McpJsonMapper json, String name, String answer) {
        Tool tool = Tool.builder().name(name).description(name.replace('_', ' ') + " by id").inputSchema(json, ID_SCHEMA).build();
        return SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) -> {
            String id = String.valueOf(request.arguments().get("id"));
            runs.computeIfAbsent(name + " " + id, key -> new AtomicInteger()).incrementAndGet();
            if (name.equals("slow_record")) {
                try {
                    Thread.sleep(SLOW);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return CallToolResult.builder().addTextContent(answer + " " + id).build();
        }).build();
    }

    /** How often {@code tool} ran for {@code id}. */
    public int runs(String tool, String id) {
        AtomicInteger count = runs.get(tool + " " + id);
        return count == null ? 0 : count.get();
    }

    /** How often {@code delete_record} ran for {@code id}. */
    public int deletions(String id) {
        return runs("delete_record", id);
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.port() + "/mcp");
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
