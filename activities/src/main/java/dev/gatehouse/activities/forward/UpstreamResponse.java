package dev.gatehouse.activities.forward;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An upstream's answer whose body is still streaming. Closing it abandons the rest of the body
 * and the upstream connection with it (that is how a caller's disconnect cancels upstream work).
 */
public final class UpstreamResponse implements AutoCloseable {

    private final int status;
    private final Map<String, List<String>> headers;
    private final InputStream body;

    /** @param headers case-insensitive by name */
    UpstreamResponse(int status, Map<String, List<String>> headers, InputStream body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    public int status() {
        return status;
    }

    /** Response headers by name, looked up case-insensitively. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
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
