package dev.gatehouse.broker.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.activities.audit.AuditQueries;
import dev.gatehouse.activities.audit.DecisionCounts;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.HttpUrl;
import dev.gatehouse.broker.config.UpstreamSettings;
import dev.gatehouse.broker.policy.PolicyHolder;
import dev.gatehouse.broker.policy.PolicySet;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What the web UI asks besides approvals and recordings: who is signed in and what they may do
 * ({@code /api/me}), the overview (upstream health, the last day's decisions, the active rules)
 * and, for admins, the configuration with its secrets hidden. Thread-safe.
 */
public final class UiApi {

    private static final Duration COUNTED = Duration.ofHours(24);

    private final GatehouseConfig config;
    private final PolicyHolder policy;
    private final AuditQueries queries;
    private final ApiAccess access;
    private final ApproverMembership membership;
    private final UpstreamHealth health = new UpstreamHealth();
    private final ConfigViews views;
    private final ObjectMapper json;

    public UiApi(GatehouseConfig config, PolicyHolder policy, AuditQueries queries, ApiAccess access, ObjectMapper json) {
        this.config = config;
        this.policy = policy;
        this.queries = queries;
        this.access = access;
        this.membership = new ApproverMembership(config.approvers());
        this.views = new ConfigViews(json);
        this.json = json;
    }

    public void register(RoutesConfig routes) {
        // A sign-in is looked up in PostgreSQL, so every route may find it unreachable.
        routes.get("/api/me", StoreGuard.around("the sign-in store", this::me));
        routes.get("/api/overview", StoreGuard.around("the audit store", this::overview));
        routes.get("/api/config", StoreGuard.around("the sign-in store", this::configuration));
    }

    private void me(Context ctx) {
        ApiAccess.Identified who = access.identify(ctx);
        new QueryParams(ctx, Set.of());
        Caller caller = who.caller();
        ObjectNode me = json.createObjectNode();
        me.put("issuer", caller.issuer());
        me.put("subject", caller.subject());
        me.put("email", caller.email().orElse(null));
        groups(me.putArray("groups"), caller.groups());
        List<String> approverGroups = membership.groupsOf(caller);
        ObjectNode roles = me.putObject("roles");
        roles.put("approver", !approverGroups.isEmpty());
        roles.put("auditor", access.has(caller, ApiAccess.Role.AUDITOR));
        roles.put("admin", access.has(caller, ApiAccess.Role.ADMIN));
        groups(me.putArray("approverGroups"), approverGroups);
        me.put("csrfToken", who.csrfToken());
        HttpUrl temporalUi = config.ui().temporalUiUrl();
        if (temporalUi == null || config.temporal() == null) {
            me.putNull("temporalUi");
        } else {
            ObjectNode t = me.putObject("temporalUi");
            t.put("baseUrl", temporalUi.base());
            t.put("namespace", config.temporal().namespace());
        }
        ctx.header("Cache-Control", "no-store").json(me);
    }

    private void overview(Context ctx) {
        Caller caller = access.authenticate(ctx);
        new QueryParams(ctx, Set.of());
        if (membership.groupsOf(caller).isEmpty() && !access.has(caller, ApiAccess.Role.AUDITOR)) {
            throw new ApiRefusal(ApiRefusal.Reason.FORBIDDEN, "the overview is for approvers (members of a group under approvers),"
                    + " auditors and admins; the groups you signed in with are " + caller.groups());
        }
        ObjectNode body = json.createObjectNode();
        ArrayNode upstreams = body.putArray("upstreams");
        for (UpstreamSettings u : config.upstreams()) {
            UpstreamHealth.Status status = health.of(u);
            ObjectNode node = upstreams.addObject();
            node.put("name", u.name());
            node.put("transport", u.transport().configName());
            node.put("health", status.health());
            node.put("detail", status.detail());
            node.put("checkedAt", status.checkedAt().toString());
        }
        DecisionCounts counts = queries.decisionCounts(Instant.now().minus(COUNTED));
        ObjectNode c = body.putObject("counts");
        c.put("since", counts.since().toString());
        c.put("calls", counts.calls());
        c.put("allowed", counts.allowed());
        c.put("denied", counts.denied());
        c.put("approvalRequired", counts.approvalRequired());
        c.put("pendingApprovals", counts.pendingApprovals());
        PolicySet active = policy.current();
        ObjectNode p = body.putObject("policy");
        p.put("version", active.version());
        p.set("rules", views.rules(active.rules()));
        ctx.json(body);
    }

    private void configuration(Context ctx) {
        access.require(ctx, ApiAccess.Role.ADMIN);
        new QueryParams(ctx, Set.of());
        PolicySet active = policy.current();
        ctx.header("Cache-Control", "no-store").json(views.config(config, active.version(), active.rules()));
    }

    private static void groups(ArrayNode array, List<String> groups) {
        groups.forEach(array::add);
    }
}
