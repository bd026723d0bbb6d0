package dev.gatehouse.broker.http;

import io.javalin.http.Context;
import org.slf4j.MDC;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A request id for every request: the caller's {@code X-Request-Id} when it is a plain token
 * (a load balancer's or client's id, so one request can be followed across systems), else a new
 * one. It is sent back in the response and put in the logging context, so every log line written
 * while the request runs names it (in JSON logs as {@code mdc.requestId}).
 */
final class RequestIds {

    static final String HEADER = "X-Request-Id";
    static final String MDC_KEY = "requestId";

    /** Short and plain, so a caller cannot forge log lines or flood the logs through it. */
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private RequestIds() {
    }

    static void assign(Context ctx) {
        String offered = ctx.header(HEADER);
        String id = offered != null && ACCEPTED.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
        MDC.put(MDC_KEY, id);
        ctx.header(HEADER, id);
    }

    static void clear(Context ctx) {
        MDC.remove(MDC_KEY);
    }
}
