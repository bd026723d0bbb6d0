package dev.gatehouse.broker.mcp;

/**
 * How the broker carries one upstream's traffic: straight through for Streamable HTTP servers,
 * or bridged for servers that only speak the legacy HTTP+SSE transport. Both present Streamable
 * HTTP to the caller.
 */
sealed interface UpstreamChannel extends AutoCloseable permits StreamableHttpChannel, LegacySseChannel {

    /** Forwards one client message; {@code replies} rewrites what comes back for it (e.g. a filtered tool list). */
    void post(McpExchange exchange, JsonRpcMessage message, MessageFilter replies);

    /**
     * Refuses the exchange if it names a session that is unknown, ended, or another caller's; runs
     * before the policy so nobody learns policy decisions through a session that is not theirs.
     */
    void checkSession(McpExchange exchange, com.fasterxml.jackson.databind.JsonNode requestId);

    void get(McpExchange exchange);

    void delete(McpExchange exchange);

    @Override
    void close();
}
