package dev.gatehouse.activities.forward;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP request to an upstream. {@code uri} is always derived from configuration (the
 * upstream's URL, or an endpoint the upstream itself announced on the same origin), never from
 * the caller's request.
 */
public record UpstreamRequest(String method, URI uri, Map<String, List<String>> headers, byte[] body) {

    public UpstreamRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }
}
