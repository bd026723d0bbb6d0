package dev.gatehouse.activities.forward;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Sends requests to one upstream MCP server with the broker's credentials and hands back the
 * response as a stream. Thread-safe; one per upstream.
 */
public final class UpstreamClient implements AutoCloseable {

    private final UpstreamTarget target;
    private final HttpClient http;

    public UpstreamClient(UpstreamTarget target) {
        this.target = target;
        this.http = HttpClient.newBuilder()
                // MCP servers are commonly plain HTTP/1.1; skipping the h2c upgrade saves a round trip.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(target.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    public UpstreamTarget target() {
        return target;
    }

    /**
     * Sends one request. Returns once the upstream's status and headers arrived; the body streams.
     *
     * @throws UpstreamException.Unreachable when no answer could be had
     * @throws UpstreamException.TimedOut    when the answer did not start within the upstream's timeout
     */
    public UpstreamResponse send(UpstreamRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri());
        if (!request.method().equals("GET")) {
            // A GET stream may stay silent (headers unsent) until the upstream has something to say.
            builder.timeout(target.timeout());
        }
        builder.method(request.method(), request.body().length == 0 && !request.method().equals("POST")
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
            for (String value : header.getValue()) {
                builder.header(header.getKey(), value);
            }
        }
        // The broker's own credentials last, so nothing from the caller can replace them.
        target.headers().forEach(builder::setHeader);
        try {
            HttpResponse<InputStream> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            return new UpstreamResponse(response.statusCode(), response.headers(), response.body());
        } catch (HttpConnectTimeoutException e) {
            throw new UpstreamException.Unreachable(target.name(), "connect timed out after "
                    + target.connectTimeout().toMillis() + " ms", e);
        } catch (HttpTimeoutException e) {
            throw new UpstreamException.TimedOut(target.name(), target.timeout(), e);
        } catch (ConnectException e) {
            throw new UpstreamException.Unreachable(target.name(), "connection refused", e);
        } catch (IOException e) {
            throw new UpstreamException.Unreachable(target.name(), e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException.Unreachable(target.name(), "interrupted while waiting", e);
        }
    }

    /** Resolves an endpoint the upstream announced, refusing anything off the upstream's own origin (no SSRF). */
    public URI resolveOnOrigin(String announced) {
        URI resolved = target.url().resolve(announced);
        URI base = target.url();
        if (!resolved.getScheme().equals(base.getScheme())
                || !resolved.getHost().equalsIgnoreCase(base.getHost())
                || resolved.getPort() != base.getPort()) {
            throw new UpstreamException.Unreachable(target.name(),
                    "announced endpoint is not on the upstream's configured origin", null);
        }
        return resolved;
    }

    @Override
    public void close() {
        // close() would wait for every open stream to end; a held GET stream never does.
        http.shutdownNow();
    }
}
