package dev.gatehouse.broker.conformance;

import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * Puts a bearer token on every request and streams the answer back unchanged. The conformance
 * suite sends no token; this stands in for a workload's MCP client holding one, so the broker
 * itself is tested exactly as deployed (its authentication is not weakened for the test).
 */
final class TokenAddingProxy implements AutoCloseable {

    private static final Set<String> NOT_COPIED = Set.of("host", "content-length", "connection", "authorization",
            "transfer-encoding", "upgrade", "expect");

    private final Javalin app;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    private TokenAddingProxy(URI target, String token) {
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.routes.post("/mcp", ctx -> forward(ctx, target, token));
            config.routes.get("/mcp", ctx -> forward(ctx, target, token));
            config.routes.delete("/mcp", ctx -> forward(ctx, target, token));
        });
    }

    static TokenAddingProxy start(URI target, String token) {
        TokenAddingProxy proxy = new TokenAddingProxy(target, token);
        proxy.app.start("127.0.0.1", 0);
        return proxy;
    }

    /** The suite only accepts loopback host names, spelled {@code localhost}. */
    URI url() {
        return URI.create("http://localhost:" + app.port() + "/mcp");
    }

    private void forward(Context ctx, URI target, String token) throws Exception {
        byte[] body = ctx.bodyAsBytes();
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .method(ctx.method().name(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + token);
        ctx.headerMap().forEach((name, value) -> {
            if (!NOT_COPIED.contains(name.toLowerCase(Locale.ROOT))) {
                request.header(name, value);
            }
        });
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        ctx.res().setStatus(response.statusCode());
        response.headers().map().forEach((name, values) -> {
            if (!NOT_COPIED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                List<String> v = values;
                ctx.res().setHeader(name, v.getFirst());
            }
        });
        try (InputStream in = response.body(); OutputStream out = ctx.res().getOutputStream()) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        }
    }

    @Override
    public void close() {
        app.stop();
        // close() would wait for every open stream to end; a held GET stream never does.
        http.shutdownNow();
    }
}
