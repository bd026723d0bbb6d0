package dev.gatehouse.broker.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Waits for a condition by asking again until a deadline: how tests synchronise with other processes,
 * which cannot signal them. The short pause between attempts only spaces the questions out.
 */
public final class Poll {

    private static final Duration PAUSE = Duration.ofMillis(50);

    private Poll() {
    }

    /** The first present answer of {@code probe}; fails naming {@code what} (and the last answer's story) at the deadline. */
    public static <T> T until(String what, Duration timeout, Supplier<Optional<T>> probe) {
        Instant deadline = Instant.now().plus(timeout);
        RuntimeException last = null;
        do {
            try {
                Optional<T> answer = probe.get();
                if (answer.isPresent()) {
                    return answer.get();
                }
            } catch (RuntimeException e) {
                last = e;
            }
            pause();
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + (last == null ? "" : " (last error: " + last + ")"),
                last);
    }

    static void pause() {
        try {
            Thread.sleep(PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while polling", e);
        }
    }
}
