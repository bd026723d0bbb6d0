package dev.gatehouse.broker.mcp;

/**
 * Rewrites a JSON-RPC message on its way back to the caller, given and returned as JSON text. A
 * filter returns its input unchanged (the same string) for messages it does not concern, so those
 * pass byte for byte.
 */
@FunctionalInterface
interface MessageFilter {

    MessageFilter NONE = json -> json;

    String apply(String json);
}
