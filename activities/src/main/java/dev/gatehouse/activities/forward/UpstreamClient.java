package dev.gatehouse.activities.forward;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How the broker exchanges messages with one upstream MCP server: over HTTP with its own credentials
 * ({@link HttpUpstreamClient}), or through an agent beside the upstream that holds them ({@link AgentUpstreamClient}).
 * Thread-safe; one per upstream.
 */
public interface UpstreamClient extends AutoCloseable {

    UpstreamTarget target();

    /**
     * Sends one request and waits for the upstream's status and headers; the body streams.
     *
     * @throws UpstreamException.Unreachable when no answer could be had
     * @throws UpstreamException.TimedOut    when the answer did not start within the upstream's timeout
     */
    UpstreamResponse send(UpstreamRequest request);

    /** Sends one request without waiting: for streams an upstream may leave unanswered for a long time. */
    PendingResponse open(UpstreamRequest request);

    /** Resolves an endpoint the upstream announced, refusing anything off the upstream's own origin (no SSRF). */
    URI resolveOnOrigin(String announced);

    @Override
    void close();

    /** A request on its way; {@link #await} returns its response once the upstream starts answering. */
    interface PendingResponse {

        /**
         * The response, or empty if the upstream has not started answering within {@code patience}.
         *
         * @throws UpstreamException.Unreachable when the request failed
         */
        Optional<UpstreamResponse> await(Duration patience);

        /** Gives up on the request (for HTTP, closing its connection). */
        void abort();
    }
}
