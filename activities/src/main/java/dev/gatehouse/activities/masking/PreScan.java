package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.gatehouse.activities.masking.MessageShape.Position;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast path's first look at a message's bytes: one streaming pass, with no tree, that answers
 * whether masking might change anything. It follows {@link MessageShape} as the walk does —
 * structural members are skipped unread — but is conservative where that is cheap: any key a path
 * rule names counts as a match. So a "no" is always right and the bytes can go out untouched; a
 * "yes" costs the full walk, which has the last word. Immutable and thread-safe.
 */
final class PreScan {

    private final StringMasker strings;
    private final PathRules paths;

    PreScan(StringMasker strings, PathRules paths) {
        this.strings = strings;
        this.paths = paths;
    }

    /** Whether masking {@code json} might change it; {@link IllegalArgumentException} when it is not one JSON value. */
    boolean mightChange(byte[] json, MaskCall call) {
        try (JsonParser parser = JsonCodec.parser(json)) {
            if (parser.nextToken() == null) {
                throw new IllegalArgumentException("not a JSON-RPC message: no JSON value");
            }
            if (message(parser, json, call)) {
                return true;
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("not a JSON-RPC message: more than one JSON value");
            }
            return false;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON-RPC message: " + e.getMessage(), e);
        }
    }

    // Each method below starts at the first token of a value and, unless it finds a match, leaves the parser at its last.

    private boolean message(JsonParser parser, byte[] json, MaskCall call) throws IOException {
        if (parser.currentToken() == JsonToken.START_ARRAY) {
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (message(parser, json, call)) {
                    return true;
                }
            }
            return false;
        }
        return protocol(parser, null, Position.ROOT, null, json, call);
    }

    private boolean protocol(JsonParser parser, String field, Position position, Result result, byte[] json, MaskCall call)
            throws IOException {
        switch (parser.currentToken()) {
            case START_OBJECT -> {
                return protocolObject(parser, position, result, json, call);
            }
            case START_ARRAY -> {
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (protocol(parser, null, Position.INNER, result, json, call)) {
                        return true;
                    }
                }
                return false;
            }
            case VALUE_STRING -> {
                return strings.matches(parser.getText(), field, call);
            }
            default -> {
                return false;
            }
        }
    }

    private boolean protocolObject(JsonParser parser, Position position, Result inherited, byte[] json, MaskCall call)
            throws IOException {
        Result result = position == Position.RESULT ? new Result(json) : inherited;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            boolean hit;
            if (MessageShape.isStructural(key)) {
                parser.skipChildren();
                hit = false;
            } else if (MessageShape.isUserData(position, key)) {
                long start = parser.currentTokenLocation().getByteOffset();
                hit = data(parser, key, call);
                if (!hit && result != null && position == Position.RESULT && key.equals(MessageShape.STRUCTURED_CONTENT)
                        && value.isStructStart()) {
                    result.structuredContent(start, parser.currentTokenLocation().getByteOffset() + 1);
                }
            } else if (key.equals(MessageShape.TEXT) && value == JsonToken.VALUE_STRING) {
                hit = textItem(parser.getText(), result, call);
            } else {
                hit = protocol(parser, key, MessageShape.inner(position, key), result, json, call);
            }
            if (hit) {
                return true;
            }
        }
        return position == Position.RESULT && result.deferredMightChange(this, call);
    }

    private boolean data(JsonParser parser, String field, MaskCall call) throws IOException {
        switch (parser.currentToken()) {
            case START_OBJECT -> {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    if (paths.mightMatchUnder(key)) {
                        return true;
                    }
                    parser.nextToken();
                    if (data(parser, key, call)) {
                        return true;
                    }
                }
                return false;
            }
            case START_ARRAY -> {
                if (paths.mightMatchElements()) {
                    return true;
                }
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (data(parser, null, call)) {
                        return true;
                    }
                }
                return false;
            }
            case VALUE_STRING -> {
                return strings.matches(parser.getText(), field, call);
            }
            default -> {
                return false;
            }
        }
    }

    /** A protocol {@code text} member: the walk masks it as JSON when it holds an object or array. */
    private boolean textItem(String text, Result result, MaskCall call) throws IOException {
        if (!JsonCodec.mayBeStructure(text)) {
            return strings.matches(text, MessageShape.TEXT, call);
        }
        if (result != null) {
            return result.textMightChange(text, this, call);
        }
        return jsonTextMightChange(text, call);
    }

    private boolean jsonTextMightChange(String text, MaskCall call) {
        try (JsonParser parser = JsonCodec.parser(text)) {
            parser.nextToken();
            if (data(parser, null, call)) {
                return true;
            }
            if (parser.nextToken() == null) {
                return false;
            }
        } catch (IOException notJson) {
            // The walk reads it as plain text, and so does the fall-through below.
        }
        return strings.matches(text, MessageShape.TEXT, call);
    }

    /**
     * What the pre-scan knows about one result: where its {@code structuredContent} is, and the
     * JSON text items seen before it. A text item whose bytes are those of a clean
     * {@code structuredContent} — the usual copy servers send — is clean too and is not scanned twice.
     */
    private static final class Result {

        private final byte[] json;
        private String structured;
        private int structuredStart = -1;
        private int structuredEnd;
        private List<String> deferred;

        Result(byte[] json) {
            this.json = json;
        }

        void structuredContent(long start, long end) {
            structuredStart = (int) start;
            structuredEnd = (int) end;
        }

        boolean textMightChange(String text, PreScan scan, MaskCall call) {
            if (structuredStart < 0) {
                if (deferred == null) {
                    deferred = new ArrayList<>(2);
                }
                deferred.add(text);
                return false;
            }
            return !isStructuredContent(text) && scan.jsonTextMightChange(text, call);
        }

        boolean deferredMightChange(PreScan scan, MaskCall call) {
            if (deferred == null) {
                return false;
            }
            for (String text : deferred) {
                if (!isStructuredContent(text) && scan.jsonTextMightChange(text, call)) {
                    return true;
                }
            }
            return false;
        }

        private boolean isStructuredContent(String text) {
            if (structuredStart < 0 || text.length() > structuredEnd - structuredStart) {
                return false;
            }
            if (structured == null) {
                structured = new String(json, structuredStart, structuredEnd - structuredStart, StandardCharsets.UTF_8);
            }
            return structured.equals(text);
        }
    }
}
