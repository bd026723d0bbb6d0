package dev.gatehouse.activities.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.audit.StorableJson;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Finds the JSON-RPC response to one request in an upstream's answer: the whole body of a JSON
 * answer, or the one event of an SSE answer that carries it (progress and logging notifications,
 * and requests to the client, which a held call cannot answer, are passed over). Reads at most
 * {@code maxBytes} per message and never holds more than one event, so a large or endless answer
 * costs bounded memory.
 */
final class AnswerReader {

    private final JsonNode requestId;
    private final int maxBytes;

    AnswerReader(JsonNode requestId, int maxBytes) {
        this.requestId = requestId;
        this.maxBytes = maxBytes;
    }

    /** The response carried by a JSON body. */
    byte[] fromJson(InputStream body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = body.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (out.size() > maxBytes) {
                throw tooLarge();
            }
        }
        byte[] message = out.toByteArray();
        JsonNode node = parse(message);
        if (node == null || !isResponse(node)) {
            throw new UnusableAnswer("the upstream answered with something other than the response to request " + requestId, null);
        }
        return message;
    }

    /** The response carried by one event of an SSE body, the first whose id is the request's. */
    byte[] fromEvents(InputStream body) throws IOException {
        BufferedInputStream in = new BufferedInputStream(body);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        boolean hasData = false;
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (readLine(in, line)) {
            if (line.size() == 0) {
                if (hasData) {
                    byte[] message = data.toByteArray();
                    JsonNode node = parse(message);
                    if (node != null && isResponse(node)) {
                        return message;
                    }
                }
                data.reset();
                hasData = false;
                continue;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            if (text.startsWith("data")) {
                String value = text.length() == 4 ? "" : text.charAt(4) == ':' ? text.substring(5) : null;
                if (value == null) {
                    continue;
                }
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                if (hasData) {
                    data.write('\n');
                }
                data.writeBytes(value.getBytes(StandardCharsets.UTF_8));
                hasData = true;
                if (data.size() > maxBytes) {
                    throw tooLarge();
                }
            }
            // event, id, retry, comments: nothing a single response needs.
        }
        throw new UnusableAnswer("the upstream's event stream ended without the response to request " + requestId, null);
    }

    /** Reads one line (without its end: LF, CR LF or CR) into {@code line}; false at the end of the stream. */
    private boolean readLine(BufferedInputStream in, ByteArrayOutputStream line) throws IOException {
        line.reset();
        int b = in.read();
        if (b < 0) {
            return false;
        }
        while (b >= 0 && b != '\n') {
            if (b == '\r') {
                in.mark(1);
                if (in.read() != '\n') {
                    in.reset();
                }
                return true;
            }
            line.write(b);
            if (line.size() > maxBytes) {
                throw tooLarge();
            }
            b = in.read();
        }
        return true;
    }

    private boolean isResponse(JsonNode node) {
        return node.isObject() && !node.has("method") && (node.has("result") || node.has("error")) && sameId(node.get("id"));
    }

    private boolean sameId(JsonNode id) {
        if (id == null) {
            return false;
        }
        if (id.isNumber() && requestId.isNumber()) {
            return id.decimalValue().compareTo(requestId.decimalValue()) == 0;
        }
        return id.equals(requestId);
    }

    private static JsonNode parse(byte[] message) {
        try {
            return StorableJson.parse(message);
        } catch (IllegalArgumentException notJson) {
            return null;
        }
    }

    private UnusableAnswer tooLarge() {
        return new UnusableAnswer("the upstream's answer exceeds " + maxBytes + " bytes, the most a gated call's answer may be", null);
    }
}
