package dev.gatehouse.broker.mcp;

/**
 * How the broker carries one upstream's traffic: straight through for Streamable HTTP servers,
 * or bridged for servers that only speak the legacy HTTP+SSE transport. Both present Streamable
 * HTTP to the caller.
 */
sealed interface UpstreamChannel extends AutoCloseable permits StreamableHttpChannel, LegacySseChannel {

    void post(McpExchange exchange, JsonRpcMessage message);

    void get(McpExchange exchange);

    void delete(McpExchange exchange);

    @Override
    void close();
}
