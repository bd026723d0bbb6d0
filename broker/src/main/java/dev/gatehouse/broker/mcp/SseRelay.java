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

    /**
     * What ended the relay. {@code UPSTREAM_BROKE_OFF} is a stream that failed rather than ended (reset, cut off
     * mid-chunk, idle timeout): unlike a stream the upstream closed, it may have been cut short of its response.
     */
    enum Outcome { UPSTREAM_CLOSED, UPSTREAM_BROKE_OFF, CLIENT_GONE, EVENT_TOO_LARGE, NOT_RECORDED }

    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

    private final int maxEventBytes;
    private final MessageFilter filter;
    private final StreamKeepAlive keepAlive;
    private McpRefusal refusal;
    private IOException failure;

    /**
     * A relay that passes each event's JSON-RPC message through {@code filter} (events it leaves
     * alone stay byte for byte) and sends keep-alive comments while the upstream is quiet.
     */
    SseRelay(int maxEventBytes, MessageFilter filter, StreamKeepAlive keepAlive) {
        this.maxEventBytes = maxEventBytes;
        this.filter = filter;
        this.keepAlive = keepAlive;
    }

    /** Why the relay ended with {@link Outcome#NOT_RECORDED}. */
    McpRefusal refusal() {
        return refusal;
    }

    /** What broke the upstream's stream off, with {@link Outcome#UPSTREAM_BROKE_OFF}. */
    IOException failure() {
        return failure;
    }

    /** Relays until the upstream ends the stream, the client goes away, or an event exceeds the limit. */
    Outcome relay(InputStream upstream, OutputStream client) {
        ClientStream out = new ClientStream(client, upstream);
        try (StreamKeepAlive.Heartbeat beat = keepAlive.every(() -> out.keepAlive(keepAlive.interval().toNanos()))) {
            Outcome outcome = copy(upstream, out);
            return out.gone ? Outcome.CLIENT_GONE : outcome;
        }
    }

    /**
     * The caller's side of the stream. The relay and the keep-alive ticker both write to it, always a
     * whole event at a time under one lock, so comments only ever fall between events. When a write
     * fails the caller is gone: the upstream stream is closed, which also ends a relay blocked in read.
     */
    private static final class ClientStream {
        private final OutputStream client;
        private final InputStream upstream;
        private long lastWrite = System.nanoTime();
        private volatile boolean gone;

        ClientStream(OutputStream client, InputStream upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        synchronized boolean write(ByteArrayOutputStream event) {
            try {
                event.writeTo(client);
                client.flush();
                event.reset();
                lastWrite = System.nanoTime();
                return true;
            } catch (IOException e) {
                leave();
                return false;
            }
        }

        synchronized void keepAlive(long quietNanos) {
            if (gone || System.nanoTime() - lastWrite < quietNanos) {
                return;
            }
            try {
                client.write(KEEP_ALIVE);
                client.flush();
                lastWrite = System.nanoTime();
            } catch (IOException e) {
                leave();
            }
        }

        private void leave() {
            gone = true;
            try {
                upstream.close();
            } catch (IOException ignored) {
                // Abandoning the upstream stream; nothing more to do if closing it fails.
            }
        }
    }

    private Outcome copy(InputStream upstream, ClientStream client) {
        ByteArrayOutputStream event = new ByteArrayOutputStream(256);
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = upstream.read(buffer)) > 0) {
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
                    if (blank) {
                        ByteArrayOutputStream passed;
                        try {
                            passed = filtered(event);
                        } catch (McpRefusal e) {
                            // The filter could not record the event: it must not reach the caller.
                            refusal = e;
                            return Outcome.NOT_RECORDED;
                        }
                        if (!client.write(passed)) {
                            return Outcome.CLIENT_GONE;
                        }
                    }
                }
                if (event.size() + line.size() > maxEventBytes) {
                    return Outcome.EVENT_TOO_LARGE;
                }
            }
            // A well-formed stream ends on a blank line; pass on whatever partial event remains anyway.
            line.writeTo(event);
            if (event.size() > 0) {
                try {
                    if (!client.write(filtered(event))) {
                        return Outcome.CLIENT_GONE;
                    }
                } catch (McpRefusal e) {
                    refusal = e;
                    return Outcome.NOT_RECORDED;
                }
            }
            return Outcome.UPSTREAM_CLOSED;
        } catch (IOException e) {
            // When the caller left, closing the upstream stream is what made this read fail; relay() reports that.
            failure = e;
            return Outcome.UPSTREAM_BROKE_OFF;
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
}
