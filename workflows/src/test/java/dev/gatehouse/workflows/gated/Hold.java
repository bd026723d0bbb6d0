package dev.gatehouse.workflows.gated;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps an activity at one point until the test lets it go, so the test can act while the workflow
 * is known to be there. Open (lets everything through) until {@link #close} is called; used once per test.
 */
final class Hold {

    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean closed;

    void close() {
        closed = true;
    }

    void open() {
        released.countDown();
    }

    /** Called by the activity: waits here while the hold is closed. */
    void pass() {
        if (!closed) {
            return;
        }
        reached.countDown();
        try {
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while held", e);
        }
    }

    /** Waits until an activity is being held. */
    void awaitReached() throws InterruptedException {
        assertTrue(reached.await(10, TimeUnit.SECONDS), "no activity reached the hold within 10s");
    }
}
