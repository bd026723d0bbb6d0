package dev.gatehouse.broker.mcp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Copies a Server-Sent Events stream one event at a time, flushing after each so the client sees
 * every event as soon as the upstream sends it. Event ids, {@code retry} fields and comments pass
 * through byte for byte.
 *
 * <p>With a filter, reading and delivering overlap: a reader thread reads each event and stages
 * it (the recording filter queues it for its commit) while the relay's own thread lets staged
 * events through in order as their commits land. So a notification and the response right behind
 * it share one commit instead of waiting for one each, and the reader is never more than
 * {@link #READ_AHEAD} events ahead.
 */
final class SseRelay {

    /**
     * What ended the relay. {@code UPSTREAM_BROKE_OFF} is a stream that failed rather than ended (reset, cut off
     * mid-chunk, idle timeout): unlike a stream the upstream closed, it may have been cut short of its response.
     */
    enum Outcome { UPSTREAM_CLOSED, UPSTREAM_BROKE_OFF, CLIENT_GONE, EVENT_TOO_LARGE, NOT_RECORDED }

    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);
    /** Events read and staged ahead of the one being let through, at most. */
    static final int READ_AHEAD = 32;

    private final int maxEventBytes;
    private final MessageFilter filter;
    private final StreamKeepAlive keepAlive;
    /** Set by the reader or the delivering thread; read once the relay has ended (after the reader has). */
    private volatile McpRefusal refusal;
    private volatile IOException failure;

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
            Outcome outcome = filter == MessageFilter.NONE ? unfiltered(upstream, out) : pipelined(upstream, out);
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

        synchronized boolean write(byte[] event) {
            try {
                client.write(event);
                client.flush();
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

    /** Where {@link #copy} hands each whole event; false stops the copy (the client is gone). */
    @FunctionalInterface
    private interface EventSink {
        boolean accept(byte[] event) throws InterruptedException;
    }

    /** What the reader hands the delivering thread: a staged event, or how the upstream's stream ended. */
    private sealed interface Step {
    }

    private record StagedEvent(byte[] event, Rebuild rebuild) implements Step {
    }

    private record End(Outcome outcome) implements Step {
    }

    /** The reader failed unexpectedly; the delivering thread throws it as the relay would have. */
    private record Failed(RuntimeException failure) implements Step {
    }

    /** Without a filter there is nothing to wait for: each event goes out as it is read. */
    private Outcome unfiltered(InputStream upstream, ClientStream client) {
        try {
            return copy(upstream, client::write);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.CLIENT_GONE;
        }
    }

    /**
     * Reads and stages on a thread of its own, delivers on this one. However the delivery ends,
     * the reader has stopped when this returns, so nothing records on the exchange afterwards.
     */
    private Outcome pipelined(InputStream upstream, ClientStream client) {
        BlockingQueue<Step> steps = new ArrayBlockingQueue<>(READ_AHEAD);
        Thread reader = Thread.ofVirtual().name("gatehouse-sse-reader").start(() -> read(upstream, steps));
        try {
            while (true) {
                Step step = steps.take();
                if (step instanceof End end) {
                    return end.outcome();
                }
                if (step instanceof Failed failed) {
                    throw failed.failure();
                }
                StagedEvent staged = (StagedEvent) step;
                byte[] passed;
                try {
                    passed = staged.rebuild().release(staged.event());
                } catch (McpRefusal e) {
                    // Not recorded: it must not reach the caller, nor anything after it.
                    refusal = e;
                    return Outcome.NOT_RECORDED;
                }
                if (!client.write(passed)) {
                    return Outcome.CLIENT_GONE;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.CLIENT_GONE;
        } finally {
            stop(reader, upstream, steps);
        }
    }

    /** The reader's loop: each whole event staged and queued, then how the stream ended. */
    private void read(InputStream upstream, BlockingQueue<Step> steps) {
        try {
            Outcome outcome;
            try {
                outcome = copy(upstream, event -> {
                    steps.put(stage(event));
                    return true;
                });
            } catch (McpRefusal e) {
                refusal = e;
                outcome = Outcome.NOT_RECORDED;
            } catch (RuntimeException | Error e) {
                // Without a last step the delivering thread would wait for ever.
                steps.put(new Failed(e instanceof RuntimeException runtime ? runtime
                        : new IllegalStateException("the SSE relay's reader failed: " + e, e)));
                return;
            }
            steps.put(new End(outcome));
        } catch (InterruptedException e) {
            // Stopped by the delivering thread.
        }
    }

    private static void stop(Thread reader, InputStream upstream, BlockingQueue<Step> steps) {
        if (!reader.isAlive()) {
            return;
        }
        try {
            upstream.close();
        } catch (IOException ignored) {
            // Abandoning the upstream stream; the reader ends either way.
        }
        reader.interrupt();
        boolean interrupted = false;
        while (reader.isAlive()) {
            steps.clear();
            try {
                reader.join(java.time.Duration.ofMillis(10));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private Outcome copy(InputStream upstream, EventSink sink) throws InterruptedException {
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
                        byte[] whole = event.toByteArray();
                        event.reset();
                        if (!sink.accept(whole)) {
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
            if (event.size() > 0 && !sink.accept(event.toByteArray())) {
                return Outcome.CLIENT_GONE;
            }
            return Outcome.UPSTREAM_CLOSED;
        } catch (IOException e) {
            // When the caller left, closing the upstream stream is what made this read fail; relay() reports that.
            failure = e;
            return Outcome.UPSTREAM_BROKE_OFF;
        }
    }

    /** How a staged event becomes what the client gets: rebuilt only when the filter changed its message. */
    @FunctionalInterface
    private interface Rebuild {
        byte[] release(byte[] event);
    }

    /** Splits the event into its message and the rest, and stages the message with the filter. */
    private StagedEvent stage(byte[] event) {
        String text = new String(event, StandardCharsets.UTF_8);
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
            return new StagedEvent(event, unchanged -> unchanged);
        }
        String message = data.toString();
        MessageFilter.Staged staged = filter.stage(message);
        return new StagedEvent(event, original -> {
            String replaced = staged.release();
            if (replaced.equals(message)) {
                return original;
            }
            return (others + "data: " + replaced + "\n\n").getBytes(StandardCharsets.UTF_8);
        });
    }
}
