package dev.gatehouse.notifier;

import java.time.Duration;
import java.util.Optional;

/**
 * A channel could not deliver an announcement or a settlement; the message says which, to whom and why.
 * When the service said how long to wait (Slack's {@code Retry-After}), {@link #retryAfter()} has it, and
 * the next attempt waits at least that long.
 */
public final class DeliveryFailedException extends NotifierException {

    private final Duration retryAfter;

    public DeliveryFailedException(String channel, String message, Throwable cause) {
        this(channel, message, cause, null);
    }

    public DeliveryFailedException(String channel, String message, Throwable cause, Duration retryAfter) {
        super(channel, "channel '" + channel + "': " + message, cause);
        this.retryAfter = retryAfter;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
