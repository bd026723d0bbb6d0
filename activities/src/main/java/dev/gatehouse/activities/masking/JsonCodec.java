package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * How the engine reads and writes JSON. Thread-safe.
 *
 * <p>Reading rejects duplicate object keys: parsers disagree on which duplicate wins, so a
 * message with two {@code "text"} members could be masked as one and read by the client as the
 * other. Numbers are read as {@code BigDecimal} with their trailing zeros, so that re-writing a
 * masked message does not round them ({@code 1e400} would otherwise become {@code "Infinity"}).
 * Writing goes through bytes because Jackson's byte writer escapes lone surrogates where its
 * {@code String} writer replaces them with {@code ?}.
 */
final class JsonCodec {

    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    /** Equality of JSON values, numbers compared by value (1, 1.0 and 1e0 are equal). */
    static final Comparator<JsonNode> SAME_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private JsonCodec() {
    }

    static JsonNode read(byte[] json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException("not a JSON-RPC message: no JSON value");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON-RPC message: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON-RPC message: " + e.getMessage(), e);
        }
    }

    /** The JSON object or array {@code text} holds, or {@code null} when it holds anything else. */
    static JsonNode readStructure(String text) {
        if (!mayBeStructure(text)) {
            return null;
        }
        try {
            JsonNode node = MAPPER.readTree(text);
            return node != null && node.isContainerNode() ? node : null;
        } catch (IOException notJson) {
            return null;
        }
    }

    /** A cheap test before parsing: a JSON object or array starts with a brace or bracket. */
    static boolean mayBeStructure(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i < n && (text.charAt(i) == '{' || text.charAt(i) == '[');
    }

    static JsonParser parser(byte[] json) throws IOException {
        return FACTORY.createParser(json);
    }

    static JsonParser parser(String json) throws IOException {
        return FACTORY.createParser(json);
    }

    static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("could not write a masked message", e);
        }
    }

    static String writeString(JsonNode node) {
        return new String(write(node), StandardCharsets.UTF_8);
    }
}
