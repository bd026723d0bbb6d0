package dev.gatehouse.broker.dev;

import dev.gatehouse.broker.Audience;
import dev.gatehouse.broker.Broker;
import dev.gatehouse.broker.agent.Agent;
import dev.gatehouse.broker.config.AgentModeCheck;
import dev.gatehouse.broker.config.ChannelSettings;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.HttpUrl;
import dev.gatehouse.broker.config.StorageSettings;
import dev.gatehouse.broker.config.TemporalSettings;
import dev.gatehouse.broker.http.RouteGroup;
import io.temporal.testserver.TestServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The whole product in one process, for trying it, demos and tests: embedded PostgreSQL, the
 * in-memory Temporal server bound to a port, the demo upstream, the dev issuer and the broker.
 * Not durable: everything lives in memory or in a temporary directory and is gone on exit.
 */
public final class DevStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DevStack.class);

    /**
     * What to start. Port 0 picks a free port; the config file, when given, supplies upstreams and policies.
     *
     * @param externalTemporal a Temporal frontend ({@code host:port}, namespace {@code default}) to use instead of the
     *                         embedded in-memory one, e.g. {@code temporal server start-dev}: then approvals outlive
     *                         the dev stack and are not marked abandoned
     */
    public record Options(String host, int port, int temporalPort, Optional<Path> config, Optional<String> externalTemporal,
                          boolean agent) {

        public Options(String host, int port, int temporalPort, Optional<Path> config) {
            this(host, port, temporalPort, config, Optional.empty(), false);
        }
    }

    /** The task queue of {@code dev --agent}'s in-process agent for the demo upstream. */
    public static final String DEMO_AGENT_QUEUE = "demo-agents";

    private static final String DEV_NAMESPACE = "default";

    private final Deque<AutoCloseable> parts;
    private final Broker broker;
    private final DemoUpstream demo;
    private final DevIssuer issuer;
    private final String temporalTarget;
    private final EmbeddedDatabase database;
    private final GatehouseConfig effective;
    private final List<RouteGroup> devPages;

    private DevStack(Deque<AutoCloseable> parts, Broker broker, DemoUpstream demo, DevIssuer issuer,
                     String temporalTarget, EmbeddedDatabase database, GatehouseConfig effective, List<RouteGroup> devPages) {
        this.parts = parts;
        this.broker = broker;
        this.demo = demo;
        this.issuer = issuer;
        this.temporalTarget = temporalTarget;
        this.database = database;
        this.effective = effective;
        this.devPages = devPages;
    }

    /**
     * Starts another broker on the same PostgreSQL, Temporal and issuer, as a second replica behind
     * a load balancer would run: same public URL (so the same token audience), its own port. The
     * caller closes it.
     */
    public Broker startReplica() {
        int port = FreePort.pick();
        URI publicUrl = broker.publicUrl();
        GatehouseConfig replica = effective.withServer(effective.server().withPort(port)
                .withPublicUrl(HttpUrl.parse(publicUrl.toString())));
        return Broker.start(replica, Optional.of(issuer), false, devPages);
    }

    public static DevStack start(Options options, ConfigLoader loader) {
        Deque<AutoCloseable> started = new ArrayDeque<>();
        // PostgreSQL and Temporal take the longest to start and need nothing from each other.
        CompletableFuture<EmbeddedDatabase> postgres = CompletableFuture.supplyAsync(EmbeddedDatabase::start);
        boolean embedTemporal = options.externalTemporal().isEmpty();
        int temporalPort = embedTemporal ? temporalPort(options.temporalPort()) : 0;
        CompletableFuture<AutoCloseable> temporalServer = embedTemporal
                ? CompletableFuture.supplyAsync(() -> TestServer.createPortBoundServer(temporalPort))
                : CompletableFuture.completedFuture(() -> { });
        try {
            DemoUpstream demo = DemoUpstream.start(0);
            started.push(demo);
            GatehouseConfig config = options.config()
                    .map(loader::load)
                    .orElseGet(() -> demoConfig(loader, demo.url(), options.agent()));

            started.push(join(postgres, "embedded PostgreSQL"));
            EmbeddedDatabase database = postgres.join();
            String jdbcUrl = database.jdbcUrl();
            started.push(join(temporalServer, "embedded Temporal server"));
            String temporalTarget = options.externalTemporal().orElse("127.0.0.1:" + temporalPort);

            int port = options.port() == 0 ? FreePort.pick() : options.port();
            URI publicUrl = config.server().effectivePublicUrl(port);
            // The file as loaded stays what policy reloads compare with; the mail catcher is the dev stack's own.
            GatehouseConfig served = config;
            List<RouteGroup> devPages = List.of();
            if (config.channels().email() == null) {
                // No mail server configured: catch the mail, so approval links work out of the box.
                DevMailbox mailbox = DevMailbox.start();
                started.push(mailbox);
                served = config.withChannels(new ChannelSettings(config.channels().slack(),
                        new ChannelSettings.Email(mailbox.smtpUrl(), "gatehouse@localhost", null, null, false, null)));
                devPages = List.of(mailbox.pages());
                log.info("mail caught at {}/dev/mail", publicUrl.toString().replaceAll("/$", ""));
            }
            DevIssuer issuer = new DevIssuer(publicUrl.toString(), Audience.of(publicUrl));
            GatehouseConfig effective = served
                    .withServer(config.server().withPort(port).withHost(options.host()))
                    .withStorage(new StorageSettings(new StorageSettings.Postgres(jdbcUrl, "postgres", "", 8)))
                    .withTemporal(new TemporalSettings(temporalTarget, DEV_NAMESPACE, payloadKey(config, embedTemporal), null));
            if (options.agent()) {
                // Started before the broker, as an agent beside a real server would be: the demo upstream's URL and
                // key are in its configuration only.
                started.push(Agent.start(loader.withCheck(new AgentModeCheck()).parse("dev agent configuration", """
                        agent: { taskQueue: %s }
                        upstreams:
                          - name: demo
                            url: "%s"
                            headers: { X-Demo-Api-Key: "%s" }
                        temporal: { target: "%s", namespace: %s, payloadKey: "%s" }
                        """.formatted(DEMO_AGENT_QUEUE, demo.url(), DEMO_UPSTREAM_KEY, temporalTarget, DEV_NAMESPACE,
                        effective.temporal().payloadKey()), Path.of("."))));
            }
            Broker broker = Broker.start(effective, Optional.of(issuer), embedTemporal, devPages);
            started.push(broker);
            GatehouseConfig asLoaded = config;
            options.config().ifPresent(file -> broker.watchPolicies(file, loader, asLoaded));
            return new DevStack(started, broker, demo, issuer, temporalTarget, database, effective, devPages);
        } catch (RuntimeException e) {
            // Parts still starting in the background are stopped too once they are up.
            postgres.thenAccept(DevStack::closeQuietly);
            temporalServer.thenAccept(DevStack::closeQuietly);
            started.removeIf(part -> part == postgres.getNow(null) || part == temporalServer.getNow(null));
            closeAll(started);
            throw e;
        }
    }

    /**
     * The embedded server's payloads live no longer than this run, so a fresh key will do. An external
     * server keeps them: its key must outlive the run, so the config file's {@code temporal.payloadKey} is used.
     */
    private static String payloadKey(GatehouseConfig config, boolean embedTemporal) {
        if (config.temporal() != null && config.temporal().payloadKey() != null) {
            return config.temporal().payloadKey();
        }
        if (!embedTemporal) {
            log.warn("no temporal.payloadKey in the config file: this run's approvals are encrypted with a key generated"
                    + " for it, so after a restart they cannot be read; put a key in the file to keep them");
        }
        return generatedPayloadKey();
    }

    private static String generatedPayloadKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return java.util.Base64.getEncoder().encodeToString(key);
    }

    private static <T> T join(CompletableFuture<T> part, String name) {
        try {
            return part.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot start the " + name + ": " + cause.getMessage(), cause);
        }
    }

    private static void closeQuietly(AutoCloseable part) {
        try {
            part.close();
        } catch (Exception e) {
            log.warn("failed to stop {} cleanly: {}", part.getClass().getSimpleName(), e.toString());
        }
    }

    private static int temporalPort(int requested) {
        if (requested == 0) {
            return FreePort.pick();
        }
        if (!FreePort.isFree(requested)) {
            int other = FreePort.pick();
            log.warn("port {} is taken; the embedded Temporal server listens on {} instead", requested, other);
            return other;
        }
        return requested;
    }

    /** The demo upstream's key, which the broker (or, with --agent, the agent) sends it. */
    private static final String DEMO_UPSTREAM_KEY = "demo-upstream-key";

    private static GatehouseConfig demoConfig(ConfigLoader loader, URI demoUrl, boolean viaAgent) {
        try (InputStream in = DevStack.class.getResourceAsStream("/dev/demo-gatehouse.yaml")) {
            if (in == null) {
                throw new IllegalStateException("the built-in demo configuration is missing from the artifact");
            }
            String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@DEMO_UPSTREAM_URL@", demoUrl.toString())
                    .replace("@DEMO_UPSTREAM_KEY@", DEMO_UPSTREAM_KEY);
            if (viaAgent) {
                // The broker knows only the agents' queue: no URL, no credential.
                yaml = yaml.replaceAll("(?s)    url: \"[^\"]*\"\n    headers:\n(      #[^\n]*\n)?      X-Demo-Api-Key: \"[^\"]*\"\n",
                        "    agent: { taskQueue: " + DEMO_AGENT_QUEUE + " }\n");
            }
            return loader.parse("built-in demo configuration", yaml, Path.of("."));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in demo configuration", e);
        }
    }

    /** The configuration the broker runs with: the file or the demo, with the dev stack's parts filled in. */
    public GatehouseConfig effectiveConfig() {
        return effective;
    }

    public Broker broker() {
        return broker;
    }

    public URI brokerUrl() {
        return broker.publicUrl();
    }

    public int brokerPort() {
        return broker.port();
    }

    public URI demoUpstreamUrl() {
        return demo.url();
    }

    /** The page listing the mail the dev stack caught, when it catches mail (no {@code channels.email} in the config). */
    public Optional<URI> caughtMailPage() {
        return devPages.isEmpty() ? Optional.empty()
                : Optional.of(URI.create(broker.publicUrl().toString().replaceAll("/$", "") + "/dev/mail"));
    }

    public DevIssuer issuer() {
        return issuer;
    }

    public String temporalTarget() {
        return temporalTarget;
    }

    /** The payload key generated for this run (base64), which Temporal payloads are encrypted with. */
    public String payloadKey() {
        return effective.temporal().payloadKey();
    }

    public String jdbcUrl() {
        return database.jdbcUrl();
    }

    /** The embedded PostgreSQL, which can be stopped and restarted to show an outage. */
    public EmbeddedDatabase database() {
        return database;
    }

    @Override
    public void close() {
        closeAll(parts);
    }

    private static void closeAll(Deque<AutoCloseable> parts) {
        while (!parts.isEmpty()) {
            closeQuietly(parts.pop());
        }
    }
}
