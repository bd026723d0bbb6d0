package dev.gatehouse.broker.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.api.ApprovalsApi;
import dev.gatehouse.broker.api.RecordingApi;
import dev.gatehouse.broker.api.UiApi;
import dev.gatehouse.broker.dev.DevIssuer;
import dev.gatehouse.broker.dev.DevSignIn;
import dev.gatehouse.broker.mcp.McpEndpoint;
import dev.gatehouse.broker.metrics.BrokerMetrics;
import dev.gatehouse.broker.ui.UiPages;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The broker's HTTP server: the MCP endpoint, health, protected-resource metadata, the JSON APIs,
 * the channels' callbacks and sign-in, the dev issuer (dev mode only) and the web UI. Requests run on virtual threads, so a
 * held stream costs no platform thread.
 */
public final class BrokerHttp implements AutoCloseable {

    /** Streams may sit idle between events far longer than Jetty's 30 s default. */
    private static final Duration IDLE_TIMEOUT = Duration.ofHours(1);

    /**
     * Connections the kernel may hold for Jetty to accept. Jetty's default is the JVM's 50: a burst of new connections
     * beyond it (a thousand approvers deciding at once, agents reconnecting after a restart) overflows it, and callers
     * see their connection closed without an answer. The kernel caps it at {@code net.core.somaxconn}.
     */
    private static final int ACCEPT_QUEUE = 4096;

    private final Javalin app;

    private BrokerHttp(Javalin app) {
        this.app = app;
    }

    /** Everything the HTTP server serves, built by the composition root. */
    public record Parts(
            String host,
            int port,
            URI publicUrl,
            McpEndpoint mcp,
            Set<String> upstreamNames,
            Set<String> issuers,
            List<ReadinessCheck> readiness,
            Optional<DevIssuer> devIssuer,
            RecordingApi recording,
            ApprovalsApi approvals,
            UiApi ui,
            Optional<DevSignIn> devSignIn,
            List<RouteGroup> channels,
            BrokerMetrics metrics,
            ObjectMapper json) {

        public Parts {
            channels = List.copyOf(channels);
        }
    }

    public static BrokerHttp start(Parts parts) {
        HttpErrors errors = new HttpErrors(parts.json(), parts.publicUrl());
        Javalin app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            // Compression would buffer SSE events; MCP streams must reach the client as they are sent.
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.jetty.addConnector((server, httpConfig) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                connector.setHost(parts.host());
                connector.setPort(parts.port());
                connector.setAcceptQueueSize(ACCEPT_QUEUE);
                connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
                return connector;
            });
            config.staticFiles.add(files -> {
                files.hostedPath = "/ui/assets";
                files.directory = UiPages.ASSETS;
                files.location = Location.CLASSPATH;
                files.headers = Map.of("X-Content-Type-Options", "nosniff", "Cache-Control", "no-cache");
            });
            RoutesConfig routes = config.routes;
            errors.register(routes);
            routes.before(RequestIds::assign);
            routes.after(RequestIds::clear);
            routes.post("/mcp/{upstream}", parts.mcp()::post);
            routes.get("/mcp/{upstream}", parts.mcp()::get);
            routes.delete("/mcp/{upstream}", parts.mcp()::delete);
            routes.get("/healthz", ctx -> ctx.json(Map.of("status", "alive")));
            routes.get("/readyz", ctx -> readiness(ctx, parts.readiness()));
            // Prometheus's text format; labels hold only configured names and closed sets, never caller data.
            routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(parts.metrics().scrape()));
            routes.get("/.well-known/oauth-protected-resource/mcp/{upstream}", ctx -> resourceMetadata(ctx, parts));
            routes.get("/.well-known/oauth-protected-resource", ctx -> resourceMetadata(ctx, parts));
            parts.recording().register(routes);
            parts.approvals().register(routes);
            parts.ui().register(routes);
            parts.channels().forEach(channel -> channel.register(routes));
            parts.devIssuer().ifPresent(dev -> DevIssuerRoutes.register(routes, dev, parts.devSignIn().orElseThrow()));
            new UiPages().register(routes);
        });
        app.start();
        return new BrokerHttp(app);
    }

    public int port() {
        return app.port();
    }

    private static void readiness(Context ctx, List<ReadinessCheck> checks) {
        Readiness readiness = Readiness.of(checks);
        ctx.status(readiness.status()).json(readiness.body());
    }

    /** RFC 9728 protected-resource metadata: which resource this is and who issues tokens for it. */
    private static void resourceMetadata(Context ctx, Parts parts) {
        String base = parts.publicUrl().toString();
        String upstream = ctx.pathParamMap().get("upstream");
        if (upstream != null && !parts.upstreamNames().contains(upstream)) {
            ctx.status(404).json(Map.of("error", "unknown upstream '" + upstream + "'"));
            return;
        }
        ctx.json(Map.of(
                "resource", upstream == null ? base + "/mcp" : base + "/mcp/" + upstream,
                "authorization_servers", List.copyOf(parts.issuers()),
                "bearer_methods_supported", List.of("header"),
                "resource_name", "Gatehouse"));
    }

    @Override
    public void close() {
        app.stop();
    }
}
