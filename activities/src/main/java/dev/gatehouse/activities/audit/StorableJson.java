package dev.gatehouse.activities.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON as the audit store keeps it. PostgreSQL's {@code jsonb} refuses some valid JSON (a
 * {@code \u0000} in a string, lone surrogates, numbers beyond {@code numeric}'s range) and gives
 * back what it accepts re-spelt (keys reordered, {@code 1e3} as {@code 1000}). So payloads are
 * first made storable here, and events are hashed over a canonical form that both the writer and
 * the verifier derive from the same value, however PostgreSQL spells it.
 */
public final class StorableJson {

    /** Floats as exact decimals: the hash must see the value PostgreSQL's numeric keeps, not a double near it. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    /** Well inside numeric's limits (131072 digits before the point, 16383 after). */
    private static final int MAX_NUMBER_DIGITS = 1000;

    private StorableJson() {
    }

    /** Parses JSON text; throws {@link IllegalArgumentException} when it is not JSON. */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static JsonNode parse(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    /** Compact JSON text of {@code value} that {@code jsonb} stores with the same value. */
    public static String of(JsonNode value) {
        try {
            return MAPPER.writeValueAsString(storable(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    /** The same for JSON text; not JSON becomes a string holding the text, so nothing is dropped. */
    public static String of(String json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            node = JsonNodeFactory.instance.textNode(json);
        }
        return of(node == null ? JsonNodeFactory.instance.missingNode() : node);
    }

    /** An object from a map, made storable. */
    public static String of(Map<String, ?> value) {
        return of((JsonNode) MAPPER.valueToTree(value));
    }

    /**
     * Canonical bytes of stored JSON text: keys sorted, no white space, numbers in one spelling per
     * value. Equal JSON values give equal bytes whatever their spelling.
     */
    public static byte[] canonical(String storedJson) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(storedJson.length() + 16);
        try (JsonGenerator gen = MAPPER.getFactory().createGenerator(out)) {
            writeCanonical(parse(storedJson), gen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeCanonical(JsonNode node, JsonGenerator gen) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                gen.writeStartObject();
                List<String> names = new ArrayList<>();
                node.fieldNames().forEachRemaining(names::add);
                names.sort(null);
                for (String name : names) {
                    gen.writeFieldName(name);
                    writeCanonical(node.get(name), gen);
                }
                gen.writeEndObject();
            }
            case ARRAY -> {
                gen.writeStartArray();
                for (JsonNode element : node) {
                    writeCanonical(element, gen);
                }
                gen.writeEndArray();
            }
            case NUMBER -> gen.writeNumber(node.decimalValue().stripTrailingZeros().toString());
            case STRING -> gen.writeString(node.textValue());
            case BOOLEAN -> gen.writeBoolean(node.booleanValue());
            default -> gen.writeNull();
        }
    }

    private static JsonNode storable(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                ObjectNode copy = JsonNodeFactory.instance.objectNode();
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    copy.set(storableText(field.getKey()), storable(field.getValue()));
                }
                return copy;
            }
            case ARRAY -> {
                var copy = JsonNodeFactory.instance.arrayNode(node.size());
                node.forEach(element -> copy.add(storable(element)));
                return copy;
            }
            case STRING -> {
                String text = node.textValue();
                String safe = storableText(text);
                return safe == text ? node : JsonNodeFactory.instance.textNode(safe);
            }
            case NUMBER -> {
                BigDecimal value = node.decimalValue();
                boolean fits = value.precision() - value.scale() <= MAX_NUMBER_DIGITS && value.scale() <= MAX_NUMBER_DIGITS;
                return fits ? node : JsonNodeFactory.instance.textNode(value.toString());
            }
            case MISSING -> {
                return JsonNodeFactory.instance.nullNode();
            }
            default -> {
                return node;
            }
        }
    }

    /** Replaces NUL and unpaired surrogates, which jsonb refuses, with U+FFFD; the same instance when none. */
    private static String storableText(String text) {
        StringBuilder fixed = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean bad;
            if (c == 0) {
                bad = true;
            } else if (Character.isHighSurrogate(c)) {
                bad = i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
                if (!bad) {
                    if (fixed != null) {
                        fixed.append(c).append(text.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
            } else {
                bad = Character.isLowSurrogate(c);
            }
            if (bad && fixed == null) {
                fixed = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (fixed != null) {
                fixed.append(bad ? '\uFFFD' : c);
            }
        }
        return fixed == null ? text : fixed.toString();
    }
}
