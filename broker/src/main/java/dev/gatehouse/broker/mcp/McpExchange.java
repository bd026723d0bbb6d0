package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.activities.sessions.McpSession;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.recording.ExchangeRecording;
import dev.gatehouse.broker.recording.RecordingUnavailableException;
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
    private final ExchangeRecording recording;
    private String startingSessionId;

    /**
     * @param session   the caller's own session this exchange names, already checked (see {@link SessionBinding})
     * @param recording where what crosses this exchange is recorded; already told about {@code session}
     */
    McpExchange(Context ctx, Caller caller, String upstream, ObjectMapper json, Optional<McpSession> session,
                ExchangeRecording recording) {
        this.ctx = ctx;
        this.caller = caller;
        this.upstream = upstream;
        this.json = json;
        this.session = session;
        this.recording = recording;
    }

    ExchangeRecording recording() {
        return recording;
    }

    /**
     * Mints the id of the session this exchange's initialize starts, before it is forwarded, so the
     * initialize is recorded in that session; the channel stores the session under it on success.
     */
    void startSession(JsonRpcMessage initialize, SessionDirectory sessions) {
        startingSessionId = sessions.newId();
        recording.startingSession(startingSessionId, initialize.params());
    }

    /** The id minted by {@link #startSession}; only for an initialize exchange. */
    String startingSessionId() {
        if (startingSessionId == null) {
            throw new IllegalStateException("not an initialize exchange");
        }
        return startingSessionId;
    }

    /**
     * How the upstream's replies to {@code request} (null for a GET stream) reach the caller:
     * recorded and masked first, then passed through {@code then} (list filtering).
     */
    MessageFilter replies(JsonRpcMessage request, MessageFilter then) {
        java.util.function.Function<String, java.util.function.Supplier<String>> record = recording.replies(
                request == null ? null : request.method(), request == null ? null : request.target().orElse(null));
        JsonNode requestId = request == null ? null : request.id();
        return new MessageFilter() {
            @Override
            public String apply(String text) {
                return stage(text).release();
            }

            @Override
            public Staged stage(String text) {
                java.util.function.Supplier<String> recorded = record.apply(text);
                return () -> {
                    String shown;
                    try {
                        shown = recorded.get();
                    } catch (RecordingUnavailableException e) {
                        throw notRecorded(e, requestId, "the upstream's answer could not be recorded, so it was held back");
                    }
                    return then.apply(shown);
                };
            }
        };
    }

    /** Records the caller's message; throws the refusal to send when it cannot be recorded (then it is not forwarded). */
    void recordClientMessage(JsonRpcMessage message) {
        try {
            recording.clientMessage(message.raw(), message.method(), message.id(), message.target().orElse(null));
        } catch (RecordingUnavailableException e) {
            throw notRecorded(e, message.id(), "the request could not be recorded, so it was not forwarded");
        }
    }

    /** Waits for everything recorded on this exchange; throws the refusal to send when it was not committed. */
    void confirmRecorded(JsonNode requestId) {
        try {
            recording.confirm();
        } catch (RecordingUnavailableException e) {
            throw notRecorded(e, requestId, "the message could not be recorded");
        }
    }

    private static McpRefusal notRecorded(RecordingUnavailableException e, JsonNode requestId, String consequence) {
        return new McpRefusal(McpRefusal.Reason.STORAGE_UNAVAILABLE, consequence + ": " + e.getMessage(), requestId,
                java.util.Map.of(), e);
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
            return sendEventText(json.writeValueAsString(message));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** Writes one SSE {@code message} event holding the JSON-RPC message {@code text}; false when the caller has gone. */
    boolean sendEventText(String text) {
        try {
            OutputStream out = body();
            out.write(("event: message\ndata: " + text + "\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
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

    /** Records a refusal about to be sent to the caller (see {@code HttpErrors}). */
    void recordRefusal(McpRefusal refusal, ObjectNode error, JsonRpcMessage request) {
        recordRefusal(recording, refusal, error, request == null ? null : request.method(), request);
    }

    /** The one place a refusal becomes a record; {@code method} names the request when there is no message. */
    static void recordRefusal(ExchangeRecording recording, McpRefusal refusal, ObjectNode error, String method,
                              JsonRpcMessage request) {
        if (!refusal.reason().recordable()) {
            return;
        }
        recording.refused(method, refusal.requestId(), request == null ? null : request.target().orElse(null),
                refusal.reason().recordedOutcome(), error);
    }

    /** Sends a refusal as an SSE event on a stream already under way, and records it. */
    boolean sendRefusal(McpRefusal refusal, JsonRpcMessage request) {
        // The request's metrics count it as refused, though its HTTP answer (a stream) began as 200.
        ctx.attribute(McpEndpoint.REFUSED_IN_STREAM, refusal.reason());
        ObjectNode error = errorMessage(refusal);
        recordRefusal(refusal, error, request);
        return sendEvent(error);
    }
}
