package dev.gatehouse.broker.mcp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks the 2026-07-28 request metadata headers ({@code Mcp-Method}, {@code Mcp-Name},
 * {@code MCP-Protocol-Version}) against the body. The broker decides on the body, so a header that
 * says something else would let a header-routing hop see a different call than the one approved:
 * a mismatch is refused with -32020 before anything is forwarded.
 */
final class RoutingHeaders {

    /** The first revision in which the headers are required. */
    static final String STATELESS_REVISION = "2026-07-28";

    /** Revisions are dates; anything else is not a revision and turns on no revision's rules. */
    private static final java.util.regex.Pattern REVISION = java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    private RoutingHeaders() {
    }

    static void check(JsonRpcMessage message, Function<String, String> header) {
        Optional<String> method = decoded(header.apply("Mcp-Method"), message);
        Optional<String> name = decoded(header.apply("Mcp-Name"), message);
        Optional<String> version = Optional.ofNullable(header.apply("MCP-Protocol-Version")).map(String::trim);
        boolean stateless = version.filter(v -> REVISION.matcher(v).matches() && v.compareTo(STATELESS_REVISION) >= 0).isPresent();

        if (stateless && message.kind() == JsonRpcMessage.Kind.RESPONSE) {
            throw mismatch(message, "clients must not send JSON-RPC responses under " + version.get());
        }
        if (message.method() == null) {
            return;
        }
        if (method.isPresent() && !method.get().equals(message.method())) {
            throw mismatch(message, "Mcp-Method header '" + method.get() + "' does not match body method '" + message.method() + "'");
        }
        if (stateless && method.isEmpty()) {
            throw mismatch(message, "Mcp-Method header is required under " + version.get());
        }
        Optional<String> target = message.target();
        if (name.isPresent() && !name.equals(target)) {
            throw mismatch(message, "Mcp-Name header '" + name.get() + "' does not match body value '" + target.orElse("(none)") + "'");
        }
        if (stateless && target.isPresent() && name.isEmpty()) {
            throw mismatch(message, "Mcp-Name header is required for " + message.method() + " under " + version.get());
        }
        Optional<String> declared = message.declaredProtocolVersion();
        if (stateless && declared.isPresent() && !declared.get().equals(version.get())) {
            throw mismatch(message, "MCP-Protocol-Version header '" + version.get()
                    + "' does not match _meta protocolVersion '" + declared.get() + "'");
        }
    }

    /** Header values that are not plain ASCII arrive as {@code =?base64?…?=}; compare the decoded text. */
    static Optional<String> decoded(String value, JsonRpcMessage message) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.startsWith("=?base64?") && value.endsWith("?=") && value.length() >= 11) {
            String encoded = value.substring("=?base64?".length(), value.length() - 2);
            try {
                return Optional.of(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw mismatch(message, "a header's =?base64?…?= value is malformed");
            }
        }
        return Optional.of(value);
    }

    private static McpRefusal mismatch(JsonRpcMessage message, String text) {
        return new McpRefusal(McpRefusal.Reason.HEADER_MISMATCH, text, message.id(), java.util.Map.of(), null);
    }
}
