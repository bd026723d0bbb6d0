package dev.gatehouse.activities.forward;

/** Forwarding to an upstream failed before it answered; the message names the upstream. */
public sealed class UpstreamException extends RuntimeException
        permits UpstreamException.Unreachable, UpstreamException.TimedOut {

    private final String upstream;

    private UpstreamException(String upstream, String message, Throwable cause) {
        super(message, cause);
        this.upstream = upstream;
    }

    public String upstream() {
        return upstream;
    }

    /** No connection could be made, or it broke before the upstream answered. */
    public static final class Unreachable extends UpstreamException {
        public Unreachable(String upstream, String detail, Throwable cause) {
            super(upstream, "upstream '" + upstream + "' is unreachable: " + detail, cause);
        }
    }

    /** The upstream did not answer within its configured timeout. */
    public static final class TimedOut extends UpstreamException {
        public TimedOut(String upstream, java.time.Duration timeout, Throwable cause) {
            super(upstream, "upstream '" + upstream + "' did not answer within " + timeout.toMillis() + " ms", cause);
        }
    }
}
