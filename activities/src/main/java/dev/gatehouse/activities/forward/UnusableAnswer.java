package dev.gatehouse.activities.forward;

/** An upstream's answer that cannot be handed back: too large, broken off, or not the response asked for. */
final class UnusableAnswer extends RuntimeException {

    UnusableAnswer(String message, Throwable cause) {
        super(message, cause);
    }
}
