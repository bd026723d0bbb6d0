package dev.gatehouse.broker.http;

import dev.gatehouse.workflows.gated.TraceContext;
import io.javalin.http.Context;
import org.slf4j.MDC;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A request id for every request: the caller's {@code X-Request-Id} when it is a plain token
 * (a load balancer's or client's id, so one request can be followed across systems), else a new
 * one. It is sent back in the response and put in the logging context, so every log line written
 * while the request runs names it (in JSON logs as {@code mdc.requestId}); so is the trace of a
 * well-formed W3C {@code traceparent} ({@code mdc.traceId}), to find the lines of one distributed trace.
 */
final class RequestIds {

    static final String HEADER = "X-Request-Id";
    static final String MDC_KEY = "requestId";
    static final String TRACE_MDC_KEY = "traceId";

    /** Short and plain, so a caller cannot forge log lines or flood the logs through it. */
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private RequestIds() {
    }

    static void assign(Context ctx) {
        String offered = ctx.header(HEADER);
        String id = offered != null && ACCEPTED.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
        MDC.put(MDC_KEY, id);
        ctx.header(HEADER, id);
        TraceContext.of(ctx.header("traceparent"), null).ifPresent(trace -> MDC.put(TRACE_MDC_KEY, trace.traceId()));
    }

    static void clear(Context ctx) {
        MDC.remove(MDC_KEY);
        MDC.remove(TRACE_MDC_KEY);
    }
}
