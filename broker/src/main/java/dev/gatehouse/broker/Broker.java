package dev.gatehouse.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.approval.ApprovalRecordActivitiesImpl;
import dev.gatehouse.activities.approval.ApprovalStore;
import dev.gatehouse.activities.approval.NotifyActivitiesImpl;
import dev.gatehouse.activities.approval.NoticeLedger;
import dev.gatehouse.activities.approval.WebInboxChannel;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.activities.channel.SlackReplayGuard;
import dev.gatehouse.activities.channel.SpentLinks;
import dev.gatehouse.broker.email.EmailApprovals;
import dev.gatehouse.broker.http.RouteGroup;
import dev.gatehouse.broker.slack.SlackApprovals;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.WriterSettings;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import dev.gatehouse.activities.forward.GatedCallForwarder;
import dev.gatehouse.activities.forward.AgentUpstreamClient;
import dev.gatehouse.activities.forward.UpstreamClient;
import dev.gatehouse.activities.masking.MaskingProfiles;
import dev.gatehouse.activities.sessions.SessionStore;
import dev.gatehouse.activities.approval.ApprovalFeed;
import dev.gatehouse.activities.audit.AuditQueries;
import dev.gatehouse.activities.websession.WebSessionStore;
import dev.gatehouse.broker.api.ApiAccess;
import dev.gatehouse.broker.api.ApprovalStreams;
import dev.gatehouse.broker.api.ApprovalsApi;
import dev.gatehouse.broker.api.UiApi;
import dev.gatehouse.broker.auth.WebSessions;
import dev.gatehouse.broker.config.UiSettings;
import dev.gatehouse.broker.metrics.BrokerMetrics;
import dev.gatehouse.broker.metrics.PendingApprovals;
import dev.gatehouse.broker.dev.DevSignIn;
import dev.gatehouse.broker.ui.WebLogin;
import dev.gatehouse.broker.api.RecordingApi;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.approval.OrphanedApprovals;
import dev.gatehouse.broker.auth.OidcIssuerKeys;
import dev.gatehouse.broker.auth.TokenVerifier;
import dev.gatehouse.broker.auth.TrustedIssuer;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.IssuerSettings;
import dev.gatehouse.broker.config.StorageSettings;
import dev.gatehouse.broker.config.TemporalSettings;
import dev.gatehouse.broker.config.UpstreamSettings;
import dev.gatehouse.broker.dev.DevIssuer;
import dev.gatehouse.broker.http.BrokerHttp;
import dev.gatehouse.broker.http.ReadinessCheck;
import dev.gatehouse.broker.mcp.McpEndpoint;
import dev.gatehouse.broker.mcp.OriginPolicy;
import dev.gatehouse.broker.mcp.SessionDirectory;
import dev.gatehouse.broker.policy.PolicyHolder;
import dev.gatehouse.broker.policy.PolicyReloader;
import dev.gatehouse.broker.policy.PolicySet;
import dev.gatehouse.broker.recording.MaskingConfig;
import dev.gatehouse.broker.recording.Recorder;
import dev.gatehouse.broker.temporal.GatedCallActivities;
import dev.gatehouse.broker.temporal.SearchAttributeRegistration;
import dev.gatehouse.broker.temporal.TemporalConnection;
import dev.gatehouse.broker.temporal.TemporalRuntime;
import dev.gatehouse.broker.temporal.WorkflowCaching;
import dev.gatehouse.notifier.LogChannel;
import dev.gatehouse.workflows.codec.PayloadKey;
import io.temporal.client.WorkflowClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The composition root: builds a running broker from validated configuration, by hand, and
 * shuts it down in reverse order. Holds no state of its own beyond its parts.
 */
public final class Broker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final Deque<AutoCloseable> parts;
    private final URI publicUrl;
    private final PolicyHolder policy;
    private final BrokerHttp http;
    private volatile PolicyReloader reloader;

    /** @param parts what was started, last first: closing them in this order is the shutdown */
    private Broker(Deque<AutoCloseable> parts, URI publicUrl, PolicyHolder policy, BrokerHttp http) {
        this.parts = parts;
        this.publicUrl = publicUrl;
        this.policy = policy;
        this.http = http;
    }

    /**
     * Reloads the policies whenever {@code file} changes (see {@link PolicyReloader}).
     *
     * @param asLoaded the configuration as read from {@code file}, before any mode filled parts in
     */
    public void watchPolicies(Path file, ConfigLoader loader, GatehouseConfig asLoaded) {
        reloader = PolicyReloader.watch(file, loader, policy, asLoaded);
    }

    /**
     * Starts the broker. {@code config.server().port()} must be the port to bind (not 0) so that the
     * public URL, token audience and metadata agree with where the broker listens.
     *
     * @param devIssuer         present in dev mode only: its tokens are trusted and its endpoints served
     * @param ephemeralTemporal Temporal keeps nothing across restarts (dev mode's in-memory server): approvals
     *                          left pending in PostgreSQL belong to workflows that are gone, so they are marked abandoned
     */
    public static Broker start(GatehouseConfig config, Optional<DevIssuer> devIssuer, boolean ephemeralTemporal) {
        return start(config, devIssuer, ephemeralTemporal, List.of());
    }

    /** As {@link #start(GatehouseConfig, Optional, boolean)}, also serving the dev stack's own pages (the mail catcher). */
    public static Broker start(GatehouseConfig config, Optional<DevIssuer> devIssuer, boolean ephemeralTemporal,
                               List<RouteGroup> devPages) {
        StorageSettings.Postgres pg = config.storage().postgres();
        TemporalSettings temporalSettings = Objects.requireNonNull(config.temporal(), "the temporal settings are required");
        PayloadKey payloadKey = PayloadKey.parse(temporalSettings.payloadKey(), "temporal.payloadKey");
        Database database = Database.open(new DatabaseSettings(pg.url(), pg.user(), pg.password(), pg.maxPoolSize(),
                Duration.ofSeconds(10)));
        Deque<AutoCloseable> started = new ArrayDeque<>();
        started.push(database);
        try {
            URI publicUrl = config.server().effectivePublicUrl(config.server().port());
            String audience = Audience.of(publicUrl);
            List<TrustedIssuer> issuers = new ArrayList<>();
            for (IssuerSettings issuer : config.identity().issuers()) {
                issuers.add(new TrustedIssuer(issuer.issuer().text(),
                        issuer.audience() != null ? issuer.audience() : audience,
                        new OidcIssuerKeys(issuer.issuer().text(), issuer.jwksUri() == null ? null : issuer.jwksUri().uri(),
                                issuer.keyRefreshInterval()),
                        issuer.groupsClaim(), issuer.staticGroups()));
            }
            devIssuer.ifPresent(dev -> issuers.add(dev.trusted()));
            TokenVerifier tokens = new TokenVerifier(issuers, config.upstreams().stream()
                    .map(u -> audience + "/" + u.name()).collect(Collectors.toSet()));
            ObjectMapper json = new ObjectMapper();
            BrokerMetrics metrics = new BrokerMetrics();
            started.push(metrics);
            AuditWriter auditWriter = new AuditWriter(database.writerJdbi(), WriterSettings.defaults(), metrics.registry());
            started.push(auditWriter);
            MaskingProfiles masking = MaskingConfig.compile(config.masking());
            Recorder recorder = new Recorder(auditWriter, masking, config.upstreams().stream()
                    .filter(UpstreamSettings::auditFailOpen).map(UpstreamSettings::name).collect(Collectors.toSet()), metrics);
            SessionStore sessionStore = new SessionStore(database);
            SessionDirectory sessions = new SessionDirectory(sessionStore, () -> !auditWriter.isAvailable(), recorder::sessionEnded);
            OriginPolicy origins = new OriginPolicy(publicUrl, config.server().allowedOrigins(), devIssuer.isPresent());
            PolicyHolder policy = new PolicyHolder(PolicySet.compile(config.policies()));

            ApprovalStore approvals = new ApprovalStore(database.jdbi());
            if (ephemeralTemporal) {
                abandonLostApprovals(approvals, "the in-memory Temporal server of the dev stack was restarted and lost its workflow");
                // At shutdown, once the worker has stopped: the workflows die with the in-memory server, and the
                // record says so rather than leaving them "pending".
                started.push(() -> abandonLostApprovals(approvals,
                        "the dev stack stopped and its in-memory Temporal server lost the workflow"));
            }
            ApprovalLinks links = new ApprovalLinks(publicUrl);
            List<ApprovalChannel> channels = new ArrayList<>(List.of(new WebInboxChannel(approvals), new LogChannel()));
            Optional<SlackApprovals> slack = Optional.ofNullable(config.channels().slack())
                    .map(settings -> SlackApprovals.create(settings, links));
            slack.ifPresent(s -> channels.add(s.channel()));
            Optional<EmailApprovals> email = Optional.ofNullable(config.channels().email())
                    .map(settings -> EmailApprovals.create(settings, links, temporalSettings.payloadKey()));
            email.ifPresent(e -> channels.add(e.channel()));
            TemporalConnection temporal = TemporalConnection.to(temporalSettings);
            started.push(temporal);
            ensureSearchAttributes(temporal, temporalSettings.namespace());
            WorkflowClient workflows = TemporalRuntime.client(temporal, temporalSettings.namespace(), payloadKey,
                    temporalSettings.decryptionOnlyKeys());
            Map<String, UpstreamClient> clients = McpEndpoint.clients(config.upstreams(),
                    (target, agentQueue) -> new AgentUpstreamClient(target, agentQueue, temporalSettings.taskQueue(), workflows));
            TemporalRuntime runtime = TemporalRuntime.create(workflows, temporalSettings.taskQueue(), payloadKey, new GatedCallActivities(
                            new ApprovalRecordActivitiesImpl(approvals, auditWriter),
                            new NotifyActivitiesImpl(channels, approvals, new NoticeLedger(database.jdbi())),
                            new GatedCallForwarder(clients, sessionStore, masking::profile)),
                    ephemeralTemporal ? WorkflowCaching.STICKY : WorkflowCaching.NONE);
            GatedCalls gatedCalls = GatedCalls.create(runtime.client(), runtime.taskQueue(), approvals, config.approvers(),
                    masking.profile(MaskingProfiles.DEFAULT), config.upstreams().stream()
                            // An approved call through an agent may take the relay's margin on top of the upstream's time.
                            .collect(Collectors.toMap(UpstreamSettings::name, u -> u.viaAgent()
                                    ? u.timeout().plus(AgentUpstreamClient.RELAY_MARGIN) : u.timeout())),
                    config.gatedCalls(), metrics);
            if (!ephemeralTemporal) {
                // Dev mode's in-memory Temporal loses every workflow at once; its approvals are abandoned above instead.
                started.push(new OrphanedApprovals(approvals, workflows).start());
            }
            metrics.gauge("gatehouse.approvals.pending", "approvals waiting for a decision, across every broker",
                    new PendingApprovals(approvals)::count);
            McpEndpoint mcp = McpEndpoint.create(config.upstreams(), clients, sessions, recorder, policy, gatedCalls, tokens, origins,
                    json, config.server(), audience, metrics);
            // The worker outlives the endpoint and its upstream clients only by the shutdown order below.
            started.push(mcp);
            runtime.start();
            started.push(runtime);
            List<ReadinessCheck> readiness = List.of(
                    new ReadinessCheck("postgres", database::isReachable, true),
                    new ReadinessCheck("temporal", temporal::isServing, false));
            String api = publicUrl + "/api";
            WebSessionStore webSessionStore = new WebSessionStore(database.jdbi());
            // Dev mode runs on plain http://localhost; everywhere else the cookie must never travel in clear.
            WebSessions webSessions = new WebSessions(webSessionStore, devIssuer.isEmpty(), config.ui().sessionLifetime());
            ApiAccess access = new ApiAccess(tokens, webSessions, config.roles(), api);
            ApprovalFeed approvalFeed = ApprovalFeed.start(database::connectOutsidePool);
            started.push(approvalFeed);
            ApprovalStreams approvalStreams = new ApprovalStreams(approvalFeed, config.server().keepAliveInterval());
            Optional<DevSignIn> devSignIn = devIssuer.map(dev -> new DevSignIn(dev, publicUrl + "/ui/callback", DevSignIn.usersFor(config)));
            List<RouteGroup> routeGroups = new ArrayList<>(channelRoutes(slack, email, gatedCalls, approvals, database, devPages));
            routeGroups.add(new WebLogin(loginClient(config, devIssuer), publicUrl.toString(), tokens, webSessionStore, webSessions));
            BrokerHttp http = BrokerHttp.start(new BrokerHttp.Parts(
                    config.server().host(), config.server().port(), publicUrl, mcp,
                    config.upstreams().stream().map(UpstreamSettings::name).collect(Collectors.toCollection(LinkedHashSet::new)),
                    new LinkedHashSet<>(tokens.issuers()), readiness, devIssuer,
                    RecordingApi.over(database.jdbi(), access, json),
                    new ApprovalsApi(gatedCalls, approvals, config.approvers(), access, approvalStreams, json),
                    new UiApi(config, policy, new AuditQueries(database.jdbi()), access, json),
                    devSignIn, routeGroups, metrics, json));
            started.push(http);
            // Before the HTTP server stops: an open inbox stream would otherwise hold it up.
            started.push(approvalStreams);
            // First at shutdown: held calls must not keep the HTTP server from stopping until someone approves.
            started.push(mcp::releaseHeldCalls);
            return new Broker(started, publicUrl, policy, http);
        } catch (RuntimeException e) {
            closeAll(started);
            throw e;
        }
    }

    /** Who people sign in to the web UI with: the configured client, else in dev mode the dev issuer, else nobody. */
    private static Optional<WebLogin.Client> loginClient(GatehouseConfig config, Optional<DevIssuer> devIssuer) {
        UiSettings.LoginSettings login = config.ui().login();
        if (login != null) {
            return Optional.of(new WebLogin.Client(login.issuer().text(), login.clientId(), login.clientSecret()));
        }
        return devIssuer.map(dev -> new WebLogin.Client(dev.issuer(), DevSignIn.CLIENT_ID, null));
    }

    /** The callbacks of the configured approval channels (Slack's interactivity, e-mail's decision pages) and the dev pages. */
    private static List<RouteGroup> channelRoutes(Optional<SlackApprovals> slack, Optional<EmailApprovals> email,
                                                  GatedCalls gatedCalls, ApprovalStore approvals, Database database,
                                                  List<RouteGroup> devPages) {
        DecisionAttempts attempts = new DecisionAttempts(database.jdbi());
        List<RouteGroup> routes = new ArrayList<>(devPages);
        slack.ifPresent(s -> routes.add(s.routes(gatedCalls, attempts, new SlackReplayGuard(database.jdbi()))));
        email.ifPresent(e -> routes.add(e.routes(gatedCalls, approvals, attempts, new SpentLinks(database.jdbi()))));
        return routes;
    }

    /**
     * Every gated-call workflow sets the search attributes, and a workflow whose attributes the
     * namespace lacks cannot make progress: register them (idempotent), and when this broker may not
     * (a cluster that keeps operator rights to itself), say loudly what to run.
     */
    private static void ensureSearchAttributes(TemporalConnection temporal, String namespace) {
        try {
            SearchAttributeRegistration.registerAll(temporal, namespace);
        } catch (RuntimeException e) {
            log.warn("could not register the gated-call search attributes in Temporal namespace {} ({}); unless they exist"
                    + " already, approval workflows cannot run: register them as the README's 'Temporal search attributes'"
                    + " section shows", namespace, e.getMessage());
        }
    }

    private static void abandonLostApprovals(ApprovalStore approvals, String why) {
        int abandoned = approvals.abandonPending(why);
        if (abandoned > 0) {
            log.warn("{} approval(s) were still pending when the dev stack last stopped; {}, so they can never be decided"
                    + " and are marked abandoned (dev mode is not durable: run 'gatehouse serve' with a Temporal cluster to keep"
                    + " approvals across restarts)", abandoned, why);
        }
    }

    /** The latest policy reload, when the configuration file is watched and has changed. */
    public Optional<PolicyReloader.Reload> lastPolicyReload() {
        return reloader == null ? Optional.empty() : reloader.lastReload();
    }

    public URI publicUrl() {
        return publicUrl;
    }

    public int port() {
        return http.port();
    }

    /**
     * Stops accepting requests, lets the worker finish its tasks, closes the upstream clients, then
     * commits every recorded event before the database goes: every answered request is on record.
     */
    @Override
    public void close() {
        if (reloader != null) {
            reloader.close();
        }
        closeAll(parts);
    }

    private static void closeAll(Deque<AutoCloseable> parts) {
        while (!parts.isEmpty()) {
            AutoCloseable part = parts.pop();
            try {
                part.close();
            } catch (Exception e) {
                log.warn("failed to stop {} cleanly: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
