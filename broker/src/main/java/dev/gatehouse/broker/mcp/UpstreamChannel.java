package dev.gatehouse.broker.mcp;

/**
 * How the broker carries one upstream's traffic: straight through for Streamable HTTP servers,
 * or bridged for servers that only speak the legacy HTTP+SSE transport. Both present Streamable
 * HTTP to the caller.
 */
sealed interface UpstreamChannel extends AutoCloseable permits StreamableHttpChannel, LegacySseChannel {

    /** Forwards one client message; {@code replies} rewrites what comes back for it (e.g. a filtered tool list). */
    void post(McpExchange exchange, JsonRpcMessage message, MessageFilter replies);

    void get(McpExchange exchange);

    void delete(McpExchange exchange);

    @Override
    void close();
}
