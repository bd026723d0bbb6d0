package dev.gatehouse.broker.mcp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Parses a Server-Sent Events stream into events (WHATWG rules: multi-line data, comments ignored). */
final class SseEventReader implements AutoCloseable {

    /** One dispatched event; {@code event} is {@code message} when the stream named none. */
    record SseEvent(String event, String data, String id) {
    }

    private final BufferedReader reader;
    private final int maxEventChars;

    SseEventReader(InputStream in, int maxEventChars) {
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.maxEventChars = maxEventChars;
    }

    /** The next event, or empty at the end of the stream; throws when an event exceeds the limit. */
    Optional<SseEvent> next() throws IOException {
        String event = null;
        String id = null;
        StringBuilder data = null;
        int size = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            size += line.length();
            if (size > maxEventChars) {
                throw new IOException("an SSE event exceeds " + maxEventChars + " characters");
            }
            if (line.isEmpty()) {
                if (data != null) {
                    return Optional.of(new SseEvent(event == null ? "message" : event, data.toString(), id));
                }
                event = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> event = value;
                case "id" -> id = value;
                case "data" -> {
                    if (data == null) {
                        data = new StringBuilder(value);
                    } else {
                        data.append('\n').append(value);
                    }
                }
                default -> {
                    // retry and unknown fields do not matter to a bridge
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
