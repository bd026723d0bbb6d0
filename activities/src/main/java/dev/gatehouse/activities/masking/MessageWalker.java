package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.gatehouse.activities.masking.MessageShape.Position;

import java.util.Map;

/**
 * Masks a JSON-RPC message tree for one profile, following {@link MessageShape}. Copy-on-write: a
 * container is copied only when something under it changed, and an unchanged tree comes back as
 * the very same instance, which is how callers tell that nothing was masked. Immutable and
 * thread-safe; the state of a call is in its {@link MaskCall}.
 */
final class MessageWalker {

    private final StringMasker strings;
    private final PathRules paths;

    MessageWalker(StringMasker strings, PathRules paths) {
        this.strings = strings;
        this.paths = paths;
    }

    /** A request, notification, response, error response, or a batch of them (2025-03-26 allows batches). */
    JsonNode message(JsonNode message, MaskCall call) {
        if (message.isArray()) {
            return array((ArrayNode) message, (element, index) -> message(element, call));
        }
        return protocol(message, null, Position.ROOT, null, call);
    }

    /** Any JSON value, all of it user data: path rules apply from its root. */
    JsonNode value(JsonNode value, MaskCall call) {
        return data(value, null, paths.start(), call);
    }

    private JsonNode protocol(JsonNode node, String field, Position position, StructuredCopy copy, MaskCall call) {
        return switch (node.getNodeType()) {
            case STRING -> text(node, field, call);
            case OBJECT -> protocolObject((ObjectNode) node, position, copy, call);
            case ARRAY -> array((ArrayNode) node, (element, index) -> protocol(element, null, Position.INNER, copy, call));
            default -> node;
        };
    }

    private JsonNode protocolObject(ObjectNode object, Position position, StructuredCopy inherited, MaskCall call) {
        StructuredCopy copy = position == Position.RESULT ? StructuredCopy.of(object, this, call) : inherited;
        ObjectNode changed = null;
        for (Map.Entry<String, JsonNode> member : object.properties()) {
            String key = member.getKey();
            JsonNode value = member.getValue();
            if (MessageShape.isStructural(key)) {
                continue;
            }
            JsonNode masked;
            if (copy != null && position == Position.RESULT && key.equals(MessageShape.STRUCTURED_CONTENT)) {
                masked = copy.masked;
            } else if (MessageShape.isUserData(position, key)) {
                masked = data(value, key, paths.start(), call);
            } else if (key.equals(MessageShape.TEXT) && value.isTextual()) {
                masked = textItem(value, copy, call);
            } else {
                masked = protocol(value, key, MessageShape.inner(position, key), copy, call);
            }
            if (masked != value) {
                if (changed == null) {
                    changed = object.objectNode();
                    changed.setAll(object);
                }
                changed.set(key, masked);
            }
        }
        return changed == null ? object : changed;
    }

    /**
     * A {@code text} member. When it holds JSON it is masked as JSON, so that a field-path rule
     * applies to it as it does to {@code structuredContent}; when that JSON is the result's
     * {@code structuredContent}, it becomes the masked {@code structuredContent}, so both copies
     * read the same.
     */
    private JsonNode textItem(JsonNode node, StructuredCopy copy, MaskCall call) {
        JsonNode parsed = JsonCodec.readStructure(node.textValue());
        if (parsed == null) {
            return text(node, MessageShape.TEXT, call);
        }
        if (copy != null && parsed.equals(JsonCodec.SAME_VALUE, copy.original)) {
            return copy.textCopy(node, call);
        }
        JsonNode masked = data(parsed, null, paths.start(), call);
        return masked == parsed ? node : TextNode.valueOf(JsonCodec.writeString(masked));
    }

    private JsonNode data(JsonNode node, String field, PathRules.State state, MaskCall call) {
        return switch (node.getNodeType()) {
            case STRING -> text(node, field, call);
            case OBJECT -> dataObject((ObjectNode) node, state, call);
            case ARRAY -> dataArray((ArrayNode) node, state, call);
            default -> node;
        };
    }

    private JsonNode dataObject(ObjectNode object, PathRules.State state, MaskCall call) {
        ObjectNode changed = null;
        for (Map.Entry<String, JsonNode> member : object.properties()) {
            String key = member.getKey();
            JsonNode value = member.getValue();
            PathRules.State inner = state == null ? null : state.step(key, -1);
            JsonNode masked = masked(value, key, inner, call);
            if (masked != value) {
                if (changed == null) {
                    changed = object.objectNode();
                    changed.setAll(object);
                }
                changed.set(key, masked);
            }
        }
        return changed == null ? object : changed;
    }

    private JsonNode dataArray(ArrayNode array, PathRules.State state, MaskCall call) {
        return array(array, (element, index) -> masked(element, null, state == null ? null : state.step(null, index), call));
    }

    /** A path rule's match is replaced whole, whatever it holds; anything else is masked inside. */
    private JsonNode masked(JsonNode value, String field, PathRules.State state, MaskCall call) {
        PathRules.Rule rule = state == null ? null : state.matched();
        if (rule == null) {
            return data(value, field, state, call);
        }
        call.count(rule.counter());
        return TextNode.valueOf(rule.replacement());
    }

    private JsonNode text(JsonNode node, String field, MaskCall call) {
        String text = node.textValue();
        String masked = strings.mask(text, field, call);
        return masked == text ? node : TextNode.valueOf(masked);
    }

    private interface ElementMask {
        JsonNode apply(JsonNode element, int index);
    }

    private static JsonNode array(ArrayNode array, ElementMask mask) {
        ArrayNode changed = null;
        for (int i = 0; i < array.size(); i++) {
            JsonNode element = array.get(i);
            JsonNode masked = mask.apply(element, i);
            if (masked != element) {
                if (changed == null) {
                    changed = array.arrayNode(array.size());
                    changed.addAll(array);
                }
                changed.set(i, masked);
            }
        }
        return changed == null ? array : changed;
    }

    /**
     * A {@code tools/call} result's {@code structuredContent}, masked once, and what masking it
     * counted, for the {@code content[]} text items that repeat it. Confined to one call.
     */
    private static final class StructuredCopy {

        final JsonNode original;
        final JsonNode masked;
        private final int[] counted;
        private TextNode text;

        private StructuredCopy(JsonNode original, JsonNode masked, int[] counted) {
            this.original = original;
            this.masked = masked;
            this.counted = counted;
        }

        static StructuredCopy of(ObjectNode result, MessageWalker walker, MaskCall call) {
            JsonNode structured = result.get(MessageShape.STRUCTURED_CONTENT);
            if (structured == null || !result.path("content").isArray()) {
                return null;
            }
            int[] before = call.snapshot();
            JsonNode masked = walker.data(structured, MessageShape.STRUCTURED_CONTENT, walker.paths.start(), call);
            return new StructuredCopy(structured, masked, call.since(before));
        }

        JsonNode textCopy(JsonNode unchanged, MaskCall call) {
            if (masked == original) {
                return unchanged;
            }
            call.add(counted);
            if (text == null) {
                text = TextNode.valueOf(JsonCodec.writeString(masked));
            }
            return text;
        }
    }
}
