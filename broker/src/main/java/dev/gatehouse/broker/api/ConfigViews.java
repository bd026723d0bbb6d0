package dev.gatehouse.broker.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.broker.config.ApprovalSettings;
import dev.gatehouse.broker.config.ApproverGroup;
import dev.gatehouse.broker.config.ChannelSettings;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.HttpUrl;
import dev.gatehouse.broker.config.IssuerSettings;
import dev.gatehouse.broker.config.PolicyRule;
import dev.gatehouse.broker.config.UpstreamSettings;

import java.time.Duration;
import java.util.List;
import java.util.TreeMap;

/**
 * The configuration as the UI shows it. Built field by field from an allow-list, never by
 * serialising the settings records: a secret added to a record later must not appear here by
 * default. Secrets, header values and URL query strings show as {@value #HIDDEN}.
 */
final class ConfigViews {

    static final String HIDDEN = "(hidden)";

    private final ObjectMapper json;

    ConfigViews(ObjectMapper json) {
        this.json = json;
    }

    ArrayNode rules(List<PolicyRule> rules) {
        ArrayNode list = json.createArrayNode();
        for (PolicyRule r : rules) {
            ObjectNode rule = list.addObject();
            rule.put("name", r.name());
            rule.put("upstream", r.upstream());
            strings(rule, "tools", r.tools());
            strings(rule, "resources", r.resources());
            strings(rule, "prompts", r.prompts());
            strings(rule, "groups", r.groups());
            strings(rule, "scopes", r.scopes());
            rule.put("when", r.when());
            rule.put("action", r.action().configName());
            rule.put("reason", r.reason());
            rule.put("mask", r.mask());
            ApprovalSettings a = r.approval();
            if (a == null) {
                rule.putNull("approval");
            } else {
                ObjectNode approval = rule.putObject("approval");
                strings(approval, "approvers", a.approvers());
                approval.put("required", a.required());
                approval.put("timeout", duration(a.timeout()));
                approval.put("remindEvery", duration(a.remindEvery()));
                ArrayNode escalate = approval.putArray("escalate");
                for (ApprovalSettings.EscalationStep step : a.escalate()) {
                    ObjectNode s = escalate.addObject();
                    s.put("after", duration(step.after()));
                    strings(s, "to", step.to());
                }
            }
        }
        return list;
    }

    /** The whole configuration, secrets hidden. */
    ObjectNode config(GatehouseConfig c, String policyVersion, List<PolicyRule> activeRules) {
        ObjectNode root = json.createObjectNode();
        ObjectNode server = root.putObject("server");
        server.put("publicUrl", c.server().publicUrl() == null ? null : url(c.server().publicUrl()));
        server.put("port", c.server().port());
        strings(server, "allowedOrigins", c.server().allowedOrigins());
        server.put("maxRequestSize", c.server().maxRequestSize().bytes());
        server.put("keepAliveInterval", duration(c.server().keepAliveInterval()));

        ArrayNode issuers = root.putObject("identity").putArray("issuers");
        for (IssuerSettings i : c.identity().issuers()) {
            ObjectNode issuer = issuers.addObject();
            issuer.put("issuer", url(i.issuer()));
            issuer.put("audience", i.audience());
            issuer.put("groupsClaim", i.groupsClaim());
            ObjectNode groups = issuer.putObject("staticGroups");
            new TreeMap<>(i.staticGroups()).forEach((group, members) -> strings(groups, group, members));
        }

        ArrayNode upstreams = root.putArray("upstreams");
        for (UpstreamSettings u : c.upstreams()) {
            ObjectNode upstream = upstreams.addObject();
            upstream.put("name", u.name());
            upstream.put("url", u.url() == null ? null : url(u.url()));
            if (u.viaAgent()) {
                upstream.put("agentTaskQueue", u.agent().taskQueue());
            }
            upstream.put("transport", u.transport().configName());
            ObjectNode headers = upstream.putObject("headers");
            new TreeMap<>(u.headers()).keySet().forEach(name -> headers.put(name, HIDDEN));
            upstream.put("timeout", duration(u.timeout()));
            upstream.put("auditFailOpen", u.auditFailOpen());
        }

        ObjectNode approvers = root.putObject("approvers");
        new TreeMap<>(c.approvers()).forEach((name, group) -> approvers.set(name, approverGroup(group)));

        ObjectNode policies = root.putObject("policies");
        policies.put("version", policyVersion);
        policies.set("rules", rules(activeRules));

        ObjectNode channels = root.putObject("channels");
        ChannelSettings.Slack slack = c.channels().slack();
        if (slack == null) {
            channels.putNull("slack");
        } else {
            ObjectNode s = channels.putObject("slack");
            s.put("botToken", HIDDEN);
            s.put("signingSecret", HIDDEN);
            s.put("apiUrl", slack.apiUrl() == null ? null : url(slack.apiUrl()));
        }
        ChannelSettings.Email email = c.channels().email();
        if (email == null) {
            channels.putNull("email");
        } else {
            ObjectNode e = channels.putObject("email");
            e.put("smtp", smtpHost(email.smtp()));
            e.put("from", email.from());
            e.put("username", email.username() == null ? null : HIDDEN);
            e.put("password", email.password() == null ? null : HIDDEN);
        }

        ObjectNode masking = root.putObject("masking").putObject("profiles");
        new TreeMap<>(c.masking().profiles()).forEach((name, profile) -> {
            ObjectNode p = masking.putObject(name);
            strings(p, "detectors", profile.detectors());
            strings(p, "rules", profile.rules().stream().map(ConfigViews::describe).toList());
        });

        ObjectNode roles = root.putObject("roles");
        strings(roles, "auditors", c.roles().auditors());
        strings(roles, "admins", c.roles().admins());

        ObjectNode gated = root.putObject("gatedCalls");
        gated.put("replayWindow", duration(c.gatedCalls().replayWindow()));
        gated.put("maxPendingPerCaller", c.gatedCalls().maxPendingPerCaller());

        ObjectNode temporal = root.putObject("temporal");
        if (c.temporal() != null) {
            temporal.put("target", c.temporal().target());
            temporal.put("namespace", c.temporal().namespace());
            temporal.put("taskQueue", c.temporal().taskQueue());
            temporal.put("payloadKey", HIDDEN);
        }
        ObjectNode storage = root.putObject("storage");
        if (c.storage() != null && c.storage().postgres() != null) {
            storage.put("postgres", c.storage().postgres().url().replaceAll("\\?.*", "?" + HIDDEN));
        }
        return root;
    }

    private ObjectNode approverGroup(ApproverGroup group) {
        ObjectNode node = json.createObjectNode();
        strings(node, "members", group.members());
        node.put("slackChannel", group.slack() == null ? null : group.slack().channel());
        node.put("email", group.email());
        return node;
    }

    private void strings(ObjectNode node, String field, List<String> values) {
        ArrayNode array = node.putArray(field);
        values.forEach(array::add);
    }

    /** A URL without its query, which may carry a key. */
    private static String url(HttpUrl url) {
        return url.uri().getRawQuery() == null ? url.text() : url.text().substring(0, url.text().indexOf('?')) + "?" + HIDDEN;
    }

    /** The SMTP server without any credentials written into its URL. */
    private static String smtpHost(String smtp) {
        return smtp == null ? null : smtp.replaceAll("//[^@/]*@", "//" + HIDDEN + "@");
    }

    /** ISO-8601, as the UI formats durations. */
    static String duration(Duration d) {
        return d == null ? null : d.toString();
    }

    private static String describe(dev.gatehouse.broker.config.MaskingSettings.Rule rule) {
        return (rule.name() == null ? "" : rule.name() + ": ") + (rule.pattern() != null ? "pattern " + rule.pattern() : "path " + rule.path());
    }
}
