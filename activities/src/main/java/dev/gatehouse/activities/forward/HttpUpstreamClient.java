package dev.gatehouse.activities.forward;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends requests to one upstream MCP server over HTTP with the broker's credentials and hands back the
 * response as a stream. Built on Jetty's HTTP client, which pools connections and costs far less
 * CPU per request than the JDK's. Thread-safe; one per upstream.
 */
public final class HttpUpstreamClient implements UpstreamClient {

    private final UpstreamTarget target;
    private final HttpClient http;

    public HttpUpstreamClient(UpstreamTarget target) {
        this.target = target;
        this.http = new HttpClient();
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("upstream-" + target.name());
        threads.setDaemon(true);
        http.setExecutor(threads);
        http.setConnectTimeout(target.connectTimeout().toMillis());
        http.setFollowRedirects(false);
        // Streams may be quiet for long stretches; the broker ends them when the caller goes away.
        http.setIdleTimeout(0);
        http.setMaxConnectionsPerDestination(4096);
        http.setUserAgentField(null);
        // Callers share this client: a cookie one caller's exchange set must never ride along on another's.
        http.setHttpCookieStore(new HttpCookieStore.Empty());
        // No transparent gzip: it would buffer SSE events, and the caller gets exactly what the upstream sent.
        http.getContentDecoderFactories().clear();
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client for upstream " + target.name(), e);
        }
    }

    @Override
    public UpstreamTarget target() {
        return target;
    }

    /**
     * Sends one request and waits for the upstream's status and headers; the body streams.
     *
     * @throws UpstreamException.Unreachable when no answer could be had
     * @throws UpstreamException.TimedOut    when the answer did not start within the upstream's timeout
     */
    @Override
    public UpstreamResponse send(UpstreamRequest request) {
        PendingResponse pending = open(request);
        return pending.await(target.timeout()).orElseThrow(() -> {
            pending.abort();
            return new UpstreamException.TimedOut(target.name(), target.timeout(), null);
        });
    }

    @Override
    public PendingResponse open(UpstreamRequest request) {
        Request outgoing = http.newRequest(request.uri()).method(request.method())
                // An upstream that stalls mid-answer is given up on; streams stay alive with keep-alives.
                .idleTimeout(target.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        outgoing.headers(fields -> {
            for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
                for (String value : header.getValue()) {
                    fields.add(header.getKey(), value);
                }
            }
            // The broker's own credentials last, so nothing from the caller can replace them.
            target.headers().forEach(fields::put);
        });
        if (request.body().length > 0 || request.method().equals("POST")) {
            String type = request.headers().entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase("Content-Type"))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse("application/json");
            outgoing.body(new BytesRequestContent(type, request.body()));
        }
        InputStreamResponseListener listener = new InputStreamResponseListener();
        outgoing.send(listener);
        return new HttpPendingResponse(outgoing, listener);
    }

    /** A request on its way over HTTP. */
    private final class HttpPendingResponse implements PendingResponse {
        private final Request request;
        private final InputStreamResponseListener listener;

        private HttpPendingResponse(Request request, InputStreamResponseListener listener) {
            this.request = request;
            this.listener = listener;
        }

        @Override
        public Optional<UpstreamResponse> await(Duration patience) {
            try {
                Response response = listener.get(patience.toMillis(), TimeUnit.MILLISECONDS);
                Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (HttpField field : response.getHeaders()) {
                    headers.computeIfAbsent(field.getName(), k -> new ArrayList<>()).add(field.getValue());
                }
                return Optional.of(new UpstreamResponse(response.getStatus(), headers, listener.getInputStream()));
            } catch (TimeoutException e) {
                return Optional.empty();
            } catch (ExecutionException e) {
                throw unreachable(e.getCause() == null ? e : e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
                throw new UpstreamException.Unreachable(target.name(), "interrupted while waiting", e);
            }
        }

        @Override
        public void abort() {
            request.abort(new CancellationException("abandoned by the broker"));
        }
    }

    /** A category the caller may see; the details (addresses, host names) stay in the cause, for the log. */
    private UpstreamException unreachable(Throwable cause) {
        String what = switch (cause) {
            case ConnectException c -> "connection refused";
            case java.net.UnknownHostException u -> "host not found";
            case javax.net.ssl.SSLException t -> "TLS handshake failed";
            case SocketTimeoutException t -> "connect timed out after " + target.connectTimeout().toMillis() + " ms";
            case TimeoutException t -> "no data for " + target.idleTimeout().toMillis() + " ms (idle timeout)";
            case CancellationException c -> "request abandoned";
            default -> "connection failed or closed";
        };
        return new UpstreamException.Unreachable(target.name(), what, cause);
    }

    @Override
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
        try {
            // Stopping aborts held streams too: they never end by themselves.
            http.stop();
        } catch (Exception e) {
            // At shutdown there is nothing left to do with the failure.
        }
    }

}
