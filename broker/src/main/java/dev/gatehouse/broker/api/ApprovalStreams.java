package dev.gatehouse.broker.api;

import dev.gatehouse.activities.approval.ApprovalFeed;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inbox's live streams: each open stream (one virtual thread, blocked on its own queue) gets
 * {@code changed} when the {@link ApprovalFeed} reports any change, coalesced so a burst costs one
 * refetch, and a comment when quiet so a browser that left is noticed. The events carry no data:
 * the browser refetches through the API, which shows each person only what they may see.
 * Thread-safe; {@link #close} ends every stream (the browser reconnects to another replica).
 */
public final class ApprovalStreams implements AutoCloseable {

    private enum Signal {
        CHANGED, CLOSE
    }

    private final ApprovalFeed feed;
    private final Duration keepAlive;
    /** Each open stream holds a connection and a thread: one person has few tabs, a broker many people. */
    static final int MAX_PER_PERSON = 10;
    static final int MAX_STREAMS = 5_000;

    private final Set<BlockingQueue<Signal>> open = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> perPerson = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ApprovalStreams(ApprovalFeed feed, Duration keepAlive) {
        this.feed = Objects.requireNonNull(feed, "feed");
        this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
    }

    /**
     * Streams to {@code ctx} until the browser leaves or the broker stops; the caller is already authenticated.
     *
     * @param person who it is for (issuer and subject), for the per-person cap
     */
    void serve(Context ctx, String person) {
        AtomicInteger mine = perPerson.computeIfAbsent(person, p -> new AtomicInteger());
        if (mine.incrementAndGet() > MAX_PER_PERSON || open.size() >= MAX_STREAMS) {
            release(person, mine);
            throw new ApiRefusal(ApiRefusal.Reason.TOO_MANY_REQUESTS, "too many live approval streams open (at most " + MAX_PER_PERSON
                    + " per person and " + MAX_STREAMS + " per broker); close other inbox tabs");
        }
        BlockingQueue<Signal> signals = new ArrayBlockingQueue<>(1);
        open.add(signals);
        Runnable unsubscribe = feed.subscribe(id -> signals.offer(Signal.CHANGED));
        try {
            ctx.status(200);
            ctx.res().setContentType("text/event-stream;charset=utf-8");
            ctx.res().setHeader("Cache-Control", "no-store");
            ctx.res().setHeader("X-Accel-Buffering", "no");
            OutputStream out = ctx.res().getOutputStream();
            write(out, "retry: 2000\nevent: ready\ndata: {}\n\n");
            while (!closed) {
                Signal signal = signals.poll(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
                if (signal == Signal.CLOSE) {
                    return;
                }
                write(out, signal == null ? ": keep-alive\n\n" : "event: changed\ndata: {}\n\n");
            }
        } catch (IOException browserLeft) {
            // Nothing to tell anyone: the stream is simply over.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            unsubscribe.run();
            open.remove(signals);
            release(person, mine);
        }
    }

    private void release(String person, AtomicInteger count) {
        if (count.decrementAndGet() <= 0) {
            perPerson.remove(person, count);
        }
    }

    private static void write(OutputStream out, String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Ends every open stream, so they do not hold up the HTTP server's stop. */
    @Override
    public void close() {
        closed = true;
        for (BlockingQueue<Signal> signals : open) {
            signals.clear();
            signals.offer(Signal.CLOSE);
        }
    }
}
