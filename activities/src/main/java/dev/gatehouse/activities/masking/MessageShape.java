package dev.gatehouse.activities.masking;

import java.util.Set;

/**
 * Which parts of a JSON-RPC message are protocol and which are user data, shared by the walk and
 * the pre-scan so that the two cannot disagree.
 *
 * <p>The protocol's own members are left alone ({@link #isStructural}): masking an id, a URI or a
 * cursor would break the exchange, and they carry no user data. Values that carry arbitrary user
 * JSON — tool arguments, {@code structuredContent}, error and log {@code data} — are masked whole,
 * whatever their members are called, and field-path rules apply inside them. A protocol
 * {@code text} member that holds a JSON object or array is user data too.
 */
final class MessageShape {

    /** Where in a message a protocol object sits: only the top levels decide what is user data. */
    enum Position { ROOT, PARAMS, RESULT, ERROR, INNER }

    private static final Set<String> STRUCTURAL = Set.of("jsonrpc", "id", "method", "type", "mimeType", "uri",
            "uriTemplate", "blob", "progressToken", "cursor", "nextCursor", "protocolVersion", "requestId", "_meta");

    static final String TEXT = "text";
    static final String STRUCTURED_CONTENT = "structuredContent";

    private MessageShape() {
    }

    /** Protocol members never masked, at any depth outside user data. */
    static boolean isStructural(String key) {
        return STRUCTURAL.contains(key);
    }

    /** The position of the protocol object under member {@code key} of an object at {@code position}. */
    static Position inner(Position position, String key) {
        if (position != Position.ROOT) {
            return Position.INNER;
        }
        return switch (key) {
            case "params" -> Position.PARAMS;
            case "result" -> Position.RESULT;
            case "error" -> Position.ERROR;
            default -> Position.INNER;
        };
    }

    /** Whether member {@code key} of a protocol object at {@code position} holds user data. */
    static boolean isUserData(Position position, String key) {
        return switch (position) {
            case PARAMS -> key.equals("arguments") || key.equals("data");
            case RESULT -> key.equals(STRUCTURED_CONTENT);
            case ERROR -> key.equals("data");
            default -> false;
        };
    }
}
