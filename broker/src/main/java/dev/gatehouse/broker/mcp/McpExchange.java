package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.broker.auth.Caller;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** One caller's HTTP exchange on {@code /mcp/{upstream}}, with what the broker established about it. */
final class McpExchange {

    private final Context ctx;
    private final Caller caller;
    private final String upstream;
    private final ObjectMapper json;
    private final Optional<McpSession> session;

    /** @param session the caller's own session this exchange names, already checked (see {@link SessionBinding}) */
    McpExchange(Context ctx, Caller caller, String upstream, ObjectMapper json, Optional<McpSession> session) {
        this.ctx = ctx;
        this.caller = caller;
        this.upstream = upstream;
        this.json = json;
        this.session = session;
    }

    /** The session this exchange names, bound to this caller and upstream; empty when it names none. */
    Optional<McpSession> session() {
        return session;
    }

    Caller caller() {
        return caller;
    }

    String upstream() {
        return upstream;
    }

    ObjectMapper json() {
        return json;
    }

    String header(String name) {
        return ctx.header(name);
    }

    Iterable<String> headerNames() {
        return Collections.list(ctx.req().getHeaderNames());
    }

    List<String> headerValues(String name) {
        return Collections.list(ctx.req().getHeaders(name));
    }

    void status(int status) {
        ctx.res().setStatus(status);
    }

    void setHeader(String name, String value) {
        ctx.res().setHeader(name, value);
    }

    OutputStream body() {
        try {
            return ctx.res().getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void writeBytes(int status, String contentType, byte[] bytes) {
        status(status);
        if (contentType != null) {
            setHeader("Content-Type", contentType);
        }
        ctx.res().setContentLength(bytes.length);
        try {
            OutputStream out = body();
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            // The caller went away; nothing left to tell them.
        }
    }

    /** Sends status and headers before any body; false when the caller has gone. */
    boolean flushHeaders() {
        try {
            ctx.res().flushBuffer();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts an SSE response the broker itself writes to (errors after streaming began, bridged streams). */
    void startEventStream(int status) {
        status(status);
        setHeader("Content-Type", "text/event-stream");
        setHeader("Cache-Control", "no-cache");
        setHeader("X-Accel-Buffering", "no");
        flushHeaders();
    }

    /** Writes one SSE {@code message} event holding {@code message}; false when the caller has gone. */
    boolean sendEvent(JsonNode message) {
        try {
            OutputStream out = body();
            out.write(("event: message\ndata: " + json.writeValueAsString(message) + "\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes an SSE comment line; false when the caller has gone. */
    boolean sendComment(String text) {
        try {
            OutputStream out = body();
            out.write((": " + text + "\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    ObjectNode errorMessage(McpRefusal refusal) {
        return JsonRpcErrors.of(json, refusal);
    }
}
