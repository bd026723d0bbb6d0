package dev.gatehouse.broker.mcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies a Server-Sent Events stream one event at a time, flushing after each so the client sees
 * every event as soon as the upstream sends it, and never holding more than one event in memory.
 * Event ids, {@code retry} fields and comments pass through byte for byte.
 */
final class SseRelay {

    /** What ended the relay. */
    enum Outcome { UPSTREAM_CLOSED, CLIENT_GONE, EVENT_TOO_LARGE }

    private final int maxEventBytes;

    SseRelay(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
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
                    if (blank && !write(event, client)) {
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
