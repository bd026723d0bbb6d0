package dev.gatehouse.workflows.gated;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The caller's W3C trace context (https://www.w3.org/TR/trace-context/), kept with a gated call so that the
 * upstream request made once it is approved, minutes or days later and from whichever replica runs the
 * activity, joins the caller's trace. Only well-formed values are kept: a malformed {@code traceparent} is
 * one a receiver must ignore anyway, and passing it on would break the upstream's trace.
 *
 * @param traceparent {@code version-traceid-parentid-flags}
 * @param tracestate  vendor entries, or null
 */
public record TraceContext(String traceparent, String tracestate) {

    /** Version 00's shape; a later version may append fields after a dash, which are passed on unread. */
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-[ -~]*)?");
    private static final Pattern TRACESTATE = Pattern.compile("[ -~]{0,512}");

    public TraceContext {
        if (traceparent == null || !wellFormed(traceparent)) {
            throw new IllegalArgumentException("traceparent is not a W3C trace context");
        }
        tracestate = tracestate == null || tracestate.isBlank() || !TRACESTATE.matcher(tracestate).matches() ? null : tracestate;
    }

    /** The context carried by these values, if {@code traceparent} is well formed. */
    public static Optional<TraceContext> of(String traceparent, String tracestate) {
        return traceparent != null && wellFormed(traceparent.trim())
                ? Optional.of(new TraceContext(traceparent.trim(), tracestate == null ? null : tracestate.trim()))
                : Optional.empty();
    }

    /** The trace's id, for logs. */
    public String traceId() {
        return traceparent.substring(3, 35);
    }

    private static boolean wellFormed(String traceparent) {
        var m = TRACEPARENT.matcher(traceparent);
        // Version ff is forbidden; all-zero ids are invalid.
        return m.matches() && !traceparent.startsWith("ff") && !m.group(1).matches("0+") && !m.group(2).matches("0+");
    }
}
