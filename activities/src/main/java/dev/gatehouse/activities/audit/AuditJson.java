package dev.gatehouse.activities.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The JSON shape of sessions and events, shared by the export (JSON Lines) and the HTTP API, and
 * read back by the offline verifier. Field names are the API's; an event's {@code payload} is the
 * stored JSON itself (absent when the row has none), hashes are lower-case hex.
 */
public final class AuditJson {

    /** Decimals as BigDecimal and long numbers allowed: a payload read back must be the value that was hashed. */
    static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNumberLength(100_000)
                            .maxStringLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private static final HexFormat HEX = HexFormat.of();

    private AuditJson() {
    }

    public static JsonFactory factory() {
        return MAPPER.getFactory();
    }

    /** Writes the session's fields into the object the generator has open. */
    public static void writeSessionFields(JsonGenerator g, SessionSummary s) throws IOException {
        g.writeStringField("id", s.id());
        g.writeStringField("upstream", s.upstream());
        g.writeStringField("callerIssuer", s.callerIssuer());
        g.writeStringField("callerSubject", s.callerSubject());
        g.writeStringField("callerEmail", s.callerEmail());
        strings(g, "callerGroups", s.callerGroups());
        g.writeStringField("clientName", s.clientName());
        g.writeStringField("clientVersion", s.clientVersion());
        g.writeStringField("protocolVersion", s.protocolVersion());
        g.writeStringField("startedAt", text(s.startedAt()));
        g.writeStringField("endedAt", text(s.endedAt()));
        g.writeStringField("endReason", s.endReason());
        g.writeNumberField("eventCount", s.eventCount());
        g.writeStringField("headHash", s.headHash());
        g.writeStringField("lastEventAt", text(s.lastEventAt()));
        strings(g, "tools", s.tools());
        strings(g, "outcomes", s.outcomes());
    }

    /** Writes the event's fields into the object the generator has open. */
    public static void writeEventFields(JsonGenerator g, StoredEvent e) throws IOException {
        g.writeStringField("sessionId", e.sessionId());
        g.writeNumberField("seq", e.seq());
        g.writeStringField("at", e.at().toString());
        g.writeStringField("direction", e.direction());
        g.writeStringField("kind", e.kind());
        g.writeStringField("method", e.method());
        g.writeStringField("jsonrpcId", e.jsonrpcId());
        g.writeStringField("target", e.target());
        g.writeStringField("outcome", e.outcome());
        if (e.payload() != null) {
            // Stored JSON is written as it is (jsonb's text has no line breaks), never re-encoded.
            g.writeFieldName("payload");
            g.writeRawValue(e.payload());
        }
        g.writeNumberField("size", e.size());
        g.writeFieldName("masked");
        if (e.masked() == null) {
            g.writeNull();
        } else {
            g.writeRawValue(e.masked());
        }
        g.writeBooleanField("failOpen", e.failOpen());
        g.writeStringField("prevHash", e.prevHash() == null ? null : HEX.formatHex(e.prevHash()));
        g.writeStringField("hash", e.hash() == null ? null : HEX.formatHex(e.hash()));
    }

    public static JsonNode parse(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** An event as {@link #writeEventFields} wrote it; {@link IllegalArgumentException} naming the field otherwise. */
    public static StoredEvent readEvent(JsonNode node) {
        JsonNode payload = node.get("payload");
        JsonNode masked = node.get("masked");
        return new StoredEvent(requiredText(node, "sessionId"), requiredLong(node, "seq"), instant(node, "at"),
                optionalText(node, "direction"), optionalText(node, "kind"), optionalText(node, "method"),
                optionalText(node, "jsonrpcId"), optionalText(node, "target"), optionalText(node, "outcome"),
                payload == null ? null : write(payload), (int) requiredLong(node, "size"),
                masked == null || masked.isNull() ? null : write(masked), node.path("failOpen").asBoolean(false),
                hex(node, "prevHash"), hex(node, "hash"));
    }

    /** A session as {@link #writeSessionFields} wrote it. */
    public static SessionSummary readSession(JsonNode node) {
        return new SessionSummary(requiredText(node, "id"), optionalText(node, "upstream"), optionalText(node, "callerIssuer"),
                optionalText(node, "callerSubject"), optionalText(node, "callerEmail"), strings(node, "callerGroups"),
                optionalText(node, "clientName"), optionalText(node, "clientVersion"), optionalText(node, "protocolVersion"),
                instant(node, "startedAt"), optionalInstant(node, "endedAt"), optionalText(node, "endReason"),
                requiredLong(node, "eventCount"), optionalText(node, "headHash"), optionalInstant(node, "lastEventAt"),
                strings(node, "tools"), strings(node, "outcomes"));
    }

    private static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String value : values) {
            g.writeString(value);
        }
        g.writeEndArray();
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static String requiredText(JsonNode node, String field) {
        String value = optionalText(node, field);
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value;
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string");
        }
        return value.textValue();
    }

    private static long requiredLong(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException(field + " must be a whole number");
        }
        return value.longValue();
    }

    private static Instant instant(JsonNode node, String field) {
        Instant value = optionalInstant(node, field);
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value;
    }

    private static Instant optionalInstant(JsonNode node, String field) {
        String text = optionalText(node, field);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + " must be an ISO-8601 instant, not '" + text + "'");
        }
    }

    private static byte[] hex(JsonNode node, String field) {
        String text = optionalText(node, field);
        try {
            return text == null ? null : HEX.parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " must be hex");
        }
    }

    private static List<String> strings(JsonNode node, String field) {
        List<String> values = new ArrayList<>();
        JsonNode array = node.get(field);
        if (array != null && array.isArray()) {
            array.forEach(v -> values.add(v.asText()));
        }
        return values;
    }
}
