package dev.gatehouse.activities.forward;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.util.Locale;
import java.util.Optional;

/**
 * An upstream's answer whose body is still streaming. Closing it abandons the rest of the body
 * and the upstream connection with it (that is how a caller's disconnect cancels upstream work).
 */
public final class UpstreamResponse implements AutoCloseable {

    private final int status;
    private final HttpHeaders headers;
    private final InputStream body;

    UpstreamResponse(int status, HttpHeaders headers, InputStream body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public HttpHeaders headers() {
        return headers;
    }

    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    public InputStream body() {
        return body;
    }

    /** The media type without parameters, lower-cased; empty when the upstream sent none. */
    public String mediaType() {
        return header("Content-Type")
                .map(v -> v.split(";", 2)[0].trim().toLowerCase(Locale.ROOT))
                .orElse("");
    }

    public boolean isEventStream() {
        return mediaType().equals("text/event-stream");
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // Abandoning a stream: nothing useful to do if closing it fails.
        }
    }
}
