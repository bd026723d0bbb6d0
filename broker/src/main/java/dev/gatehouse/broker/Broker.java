package dev.gatehouse.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.WriterSettings;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import dev.gatehouse.activities.sessions.SessionStore;
import dev.gatehouse.broker.api.RecordingApi;
import dev.gatehouse.broker.auth.OidcIssuerKeys;
import dev.gatehouse.broker.auth.TokenVerifier;
import dev.gatehouse.broker.auth.TrustedIssuer;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.IssuerSettings;
import dev.gatehouse.broker.config.StorageSettings;
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

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The composition root: builds a running broker from validated configuration, by hand, and
 * shuts it down in reverse order. Holds no state of its own beyond its parts.
 */
public final class Broker implements AutoCloseable {

    private final Database database;
    private final AuditWriter auditWriter;
    private final McpEndpoint mcp;
    private final BrokerHttp http;
    private final URI publicUrl;
    private final PolicyHolder policy;
    private volatile PolicyReloader reloader;

    private Broker(Database database, AuditWriter auditWriter, McpEndpoint mcp, BrokerHttp http, URI publicUrl,
                   PolicyHolder policy) {
        this.database = database;
        this.auditWriter = auditWriter;
        this.mcp = mcp;
        this.http = http;
        this.publicUrl = publicUrl;
        this.policy = policy;
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
     * @param devIssuer present in dev mode only: its tokens are trusted and its endpoints served
     * @param extraReadiness checks beyond the database, e.g. Temporal
     */
    public static Broker start(GatehouseConfig config, Optional<DevIssuer> devIssuer, List<ReadinessCheck> extraReadiness) {
        StorageSettings.Postgres pg = config.storage().postgres();
        Database database = Database.open(new DatabaseSettings(pg.url(), pg.user(), pg.password(), pg.maxPoolSize(),
                Duration.ofSeconds(10)));
        AuditWriter auditWriter = null;
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
            auditWriter = new AuditWriter(database.writerJdbi(), WriterSettings.defaults());
            Recorder recorder = new Recorder(auditWriter, MaskingConfig.compile(config.masking()), config.upstreams().stream()
                    .filter(UpstreamSettings::auditFailOpen).map(UpstreamSettings::name).collect(Collectors.toSet()));
            SessionDirectory sessions = new SessionDirectory(new SessionStore(database), recorder::sessionEnded);
            OriginPolicy origins = new OriginPolicy(publicUrl, config.server().allowedOrigins(), devIssuer.isPresent());
            PolicyHolder policy = new PolicyHolder(PolicySet.compile(config.policies()));
            McpEndpoint mcp = McpEndpoint.create(config.upstreams(), sessions, recorder, policy, tokens, origins, json, config.server(),
                    audience);
            List<ReadinessCheck> readiness = new ArrayList<>();
            readiness.add(new ReadinessCheck("postgres", database::isReachable));
            readiness.addAll(extraReadiness);
            BrokerHttp http = BrokerHttp.start(new BrokerHttp.Parts(
                    config.server().host(), config.server().port(), publicUrl, mcp,
                    config.upstreams().stream().map(UpstreamSettings::name).collect(Collectors.toCollection(LinkedHashSet::new)),
                    new LinkedHashSet<>(tokens.issuers()), readiness, devIssuer,
                    RecordingApi.over(database.jdbi(), tokens, config.roles(), publicUrl + "/api", json), json));
            return new Broker(database, auditWriter, mcp, http, publicUrl, policy);
        } catch (RuntimeException e) {
            if (auditWriter != null) {
                auditWriter.close();
            }
            database.close();
            throw e;
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

    @Override
    public void close() {
        if (reloader != null) {
            reloader.close();
        }
        http.close();
        mcp.close();
        // After the HTTP server: every event of every answered request is committed before close returns.
        auditWriter.close();
        database.close();
    }
}
