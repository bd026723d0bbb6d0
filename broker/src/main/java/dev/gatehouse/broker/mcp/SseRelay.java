package dev.gatehouse.broker.mcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies a Server-Sent Events stream one event at a time, flushing after each so the client sees
 * every event as soon as the upstream sends it, and never holding more than one event in memory.
 * Event ids, {@code retry} fields and comments pass through byte for byte.
 */
final class SseRelay {

    /** What ended the relay. */
    enum Outcome { UPSTREAM_CLOSED, CLIENT_GONE, EVENT_TOO_LARGE }

    private final int maxEventBytes;
    private final MessageFilter filter;

    SseRelay(int maxEventBytes) {
        this(maxEventBytes, MessageFilter.NONE);
    }

    /** A relay that passes each event's JSON-RPC message through {@code filter} (events it leaves alone stay byte for byte). */
    SseRelay(int maxEventBytes, MessageFilter filter) {
        this.maxEventBytes = maxEventBytes;
        this.filter = filter;
    }

    /** Relays until the upstream ends the stream, the client goes away, or an event exceeds the limit. */
    Outcome relay(InputStream upstream, OutputStream client) {
        ByteArrayOutputStream event = new ByteArrayOutputStream(256);
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = read(upstream, buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    line.write(b);
                    if (b != '\n') {
                        continue;
                    }
                    boolean blank = line.size() == 1 || (line.size() == 2 && line.toByteArray()[0] == '\r');
                    line.writeTo(event);
                    line.reset();
                    if (event.size() > maxEventBytes) {
                        return Outcome.EVENT_TOO_LARGE;
                    }
                    if (blank && !write(filtered(event), client)) {
                        return Outcome.CLIENT_GONE;
                    }
                }
                if (event.size() + line.size() > maxEventBytes) {
                    return Outcome.EVENT_TOO_LARGE;
                }
            }
            // A well-formed stream ends on a blank line; pass on whatever partial event remains anyway.
            line.writeTo(event);
            if (event.size() > 0 && !write(event, client)) {
                return Outcome.CLIENT_GONE;
            }
            return Outcome.UPSTREAM_CLOSED;
        } catch (IOException e) {
            return Outcome.UPSTREAM_CLOSED;
        }
    }

    /** The event as it should reach the client: rebuilt only when the filter changed its message. */
    private ByteArrayOutputStream filtered(ByteArrayOutputStream event) {
        if (filter == MessageFilter.NONE) {
            return event;
        }
        String text = event.toString(StandardCharsets.UTF_8);
        StringBuilder data = new StringBuilder();
        StringBuilder others = new StringBuilder();
        for (String line : text.split("\r?\n", -1)) {
            if (line.startsWith("data:")) {
                String value = line.substring(5);
                data.append(data.isEmpty() ? "" : "\n").append(value.startsWith(" ") ? value.substring(1) : value);
            } else if (!line.isEmpty()) {
                others.append(line).append('\n');
            }
        }
        if (data.isEmpty()) {
            return event;
        }
        String replaced = filter.apply(data.toString());
        if (replaced.equals(data.toString())) {
            return event;
        }
        ByteArrayOutputStream rebuilt = new ByteArrayOutputStream(replaced.length() + 64);
        rebuilt.writeBytes((others + "data: " + replaced + "\n\n").getBytes(StandardCharsets.UTF_8));
        event.reset();
        return rebuilt;
    }

    private static int read(InputStream in, byte[] buffer) throws IOException {
        return in.read(buffer);
    }

    private static boolean write(ByteArrayOutputStream event, OutputStream client) {
        try {
            event.writeTo(client);
            client.flush();
            event.reset();
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
