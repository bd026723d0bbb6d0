package dev.gatehouse.broker.mcp;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The broker's one ticker for held streams. A stream that carries nothing for an interval gets an
 * SSE comment: that keeps intermediaries from timing it out, and it is how the broker notices a
 * caller who left a quiet stream (the write fails) and releases the upstream request. Thread-safe.
 */
final class StreamKeepAlive implements AutoCloseable {

    private final Duration interval;
    private final ScheduledThreadPoolExecutor ticker;

    StreamKeepAlive(Duration interval) {
        this.interval = interval;
        this.ticker = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "stream-keep-alive");
            t.setDaemon(true);
            return t;
        });
        // Most streams end long before their first beat; drop their timers at once instead of
        // letting thousands of cancelled ones wait in the queue.
        ticker.setRemoveOnCancelPolicy(true);
    }

    Duration interval() {
        return interval;
    }

    /** Runs {@code beat} every interval until the returned handle is closed. */
    Heartbeat every(Runnable beat) {
        ScheduledFuture<?> future = ticker.scheduleAtFixedRate(beat, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return () -> future.cancel(false);
    }

    /** A running heartbeat; closing it stops it. */
    @FunctionalInterface
    interface Heartbeat extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
