package dev.gatehouse.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.activities.approval.ApprovalQuery;
import dev.gatehouse.activities.approval.ApprovalRecord;
import dev.gatehouse.activities.approval.ApprovalStore;
import dev.gatehouse.activities.approval.RecordedDecision;
import dev.gatehouse.broker.approval.DecisionRefused;
import dev.gatehouse.broker.approval.GatedCallRefusal;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.approval.UnknownApproval;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.config.ApproverGroup;
import dev.gatehouse.workflows.gated.ApprovalState;
import dev.gatehouse.workflows.gated.Decision;
import dev.gatehouse.workflows.gated.DecisionRequest;
import dev.gatehouse.workflows.gated.Person;
import dev.gatehouse.workflows.gated.Verdict;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The decisions API for the web inbox and for tests: pending approvals the caller may decide (or,
 * for auditors and admins, all of them), one approval with its masked argument preview and the
 * decisions so far, and deciding. Who may decide is the workflow's call, so this API and every
 * other channel apply the same rules. Thread-safe.
 */
public final class ApprovalsApi {

    private static final Set<String> STATUSES = ApprovalRecord.STATUSES;

    private final GatedCalls gatedCalls;
    private final ApprovalStore store;
    private final ApproverMembership membership;
    private final ApiAccess access;
    private final ApprovalStreams streams;
    private final ObjectMapper json;

    /** @param streams the live "approvals changed" streams the inbox listens to */
    public ApprovalsApi(GatedCalls gatedCalls, ApprovalStore store, Map<String, ApproverGroup> approvers, ApiAccess access,
                        ApprovalStreams streams, ObjectMapper json) {
        this.gatedCalls = gatedCalls;
        this.store = store;
        this.membership = new ApproverMembership(approvers);
        this.access = access;
        this.streams = streams;
        this.json = json;
    }

    public void register(RoutesConfig routes) {
        // Before /api/approvals/{id}, which would otherwise take "events" for an id.
        routes.get("/api/approvals/events", guarded(this::events));
        routes.get("/api/approvals", guarded(this::list));
        routes.get("/api/approvals/{id}", guarded(this::show));
        routes.post("/api/approvals/{id}/decision", guarded(this::decide));
    }

    /** Server-sent events: {@code changed} whenever any approval appears or changes; the inbox then refetches what it may see. */
    private void events(Context ctx) {
        Caller caller = access.authenticate(ctx);
        new QueryParams(ctx, Set.of());
        // Even without data, the events tell when approvals happen: only for those who see approvals.
        if (groupsOf(caller).isEmpty() && !access.has(caller, ApiAccess.Role.AUDITOR)) {
            throw new ApiRefusal(ApiRefusal.Reason.FORBIDDEN, "live approval updates are for approvers (members of a group under"
                    + " approvers), auditors and admins; the groups you signed in with are " + caller.groups());
        }
        streams.serve(ctx, caller.issuer() + " " + caller.subject());
    }

    private void list(Context ctx) {
        Caller caller = access.authenticate(ctx);
        QueryParams params = new QueryParams(ctx, Set.of("status", "limit"));
        String status = ctx.queryParam("status");
        if (status != null && !STATUSES.contains(status)) {
            throw new ApiRefusal(ApiRefusal.Reason.BAD_REQUEST, "status must be one of " + new java.util.TreeSet<>(STATUSES));
        }
        boolean seesAll = access.has(caller, ApiAccess.Role.AUDITOR);
        List<String> groups = groupsOf(caller);
        List<ApprovalRecord> found = seesAll || !groups.isEmpty()
                ? store.list(query(status, seesAll ? null : groups, params.limit()))
                : List.of();
        ObjectNode body = json.createObjectNode();
        ArrayNode list = body.putArray("approvals");
        found.forEach(approval -> list.add(view(approval, caller)));
        ctx.status(200).json(body);
    }

    private void show(Context ctx) {
        Caller caller = access.authenticate(ctx);
        new QueryParams(ctx, Set.of());
        ctx.status(200).json(view(visible(caller, ctx.pathParam("id")), caller));
    }

    private void decide(Context ctx) {
        Caller caller = access.authenticate(ctx);
        new QueryParams(ctx, Set.of());
        String id = ctx.pathParam("id");
        ApprovalRecord approval = visible(caller, id);
        JsonNode body = body(ctx);
        Verdict verdict = switch (body.path("decision").asText("")) {
            case "approve" -> Verdict.APPROVE;
            case "deny" -> Verdict.DENY;
            default -> throw new ApiRefusal(ApiRefusal.Reason.BAD_REQUEST,
                    "the body needs \"decision\": \"approve\" or \"deny\" (and optionally \"reason\")");
        };
        JsonNode reason = body.path("reason");
        if (!reason.isMissingNode() && !reason.isNull() && !reason.isTextual()) {
            throw new ApiRefusal(ApiRefusal.Reason.BAD_REQUEST, "\"reason\" must be a string");
        }
        Person decider = new Person(caller.subject(), caller.email().orElse(""));
        ApprovalState state;
        try {
            state = gatedCalls.decide(id, new DecisionRequest(decider, verdict, reason.asText(""), "api"));
        } catch (DecisionRefused refused) {
            throw new ApiRefusal(refused.isForbidden() ? ApiRefusal.Reason.FORBIDDEN : ApiRefusal.Reason.CONFLICT,
                    refused.getMessage(), refused);
        } catch (UnknownApproval unknown) {
            throw notFound(id);
        } catch (GatedCallRefusal unavailable) {
            throw new ApiRefusal(ApiRefusal.Reason.UNAVAILABLE, unavailable.getMessage(), unavailable);
        }
        ObjectNode view = view(approval, caller);
        // The workflow's word is newer than PostgreSQL's, which it updates moments later.
        view.put("status", state.outcome().wireName());
        view.set("decisions", decisions(state.decisions()));
        view.set("eligibleGroups", json.valueToTree(state.eligibleGroups()));
        view.put("canDecide", false);
        view.put("cannotDecideReason", "You have decided on this call.");
        ctx.status(200).json(view);
    }

    private static ApprovalQuery query(String status, List<String> visibleTo, int limit) {
        ApprovalQuery query = ApprovalQuery.all().withLimit(Math.min(limit, ApprovalQuery.MAX_LIMIT));
        query = status == null ? query : query.withStatus(status);
        return visibleTo == null ? query : query.visibleToGroups(visibleTo);
    }

    /**
     * The approval, if the caller may see it: auditors and admins, the requester, and members of the
     * groups that may decide it. Others get the same 404 as for an unknown id, so ids reveal nothing.
     */
    private ApprovalRecord visible(Caller caller, String id) {
        ApprovalRecord approval = store.find(id).orElseThrow(() -> notFound(id));
        boolean requester = approval.requestedBy(caller.issuer(), caller.subject());
        boolean approver = approval.eligibleGroups().stream().anyMatch(groupsOf(caller)::contains);
        if (!(requester || approver || access.has(caller, ApiAccess.Role.AUDITOR))) {
            throw notFound(id);
        }
        return approval;
    }

    private List<String> groupsOf(Caller caller) {
        return membership.groupsOf(caller);
    }

    /**
     * Why the inbox should not offer the caller Approve and Deny, or empty when it should: pending, one of
     * its groups eligible, not the requester, not decided by them already. The workflow has the last word
     * when they decide.
     */
    private Optional<String> cannotDecide(ApprovalRecord a, Caller caller) {
        Person person = ApproverMembership.person(caller);
        if (!a.isPending()) {
            return Optional.of("It is " + a.status() + ".");
        }
        if (person.is(a.requester()) || !a.requesterEmail().isEmpty() && person.is(a.requesterEmail())) {
            return Optional.of("You asked for this call, so somebody else decides.");
        }
        if (a.eligibleGroups().stream().noneMatch(groupsOf(caller)::contains)) {
            return Optional.of("Only members of " + String.join(" or ", a.eligibleGroups()) + " may decide.");
        }
        if (a.decisions().stream().anyMatch(d -> person.is(d.approver()))) {
            return Optional.of("You have already decided on this call.");
        }
        return Optional.empty();
    }

    private ObjectNode view(ApprovalRecord a, Caller caller) {
        ObjectNode view = json.createObjectNode();
        view.put("id", a.id());
        view.put("workflowId", a.id());
        view.put("status", a.status());
        ObjectNode requester = view.putObject("requester");
        requester.put("issuer", a.requesterIssuer());
        requester.put("subject", a.requester());
        requester.put("email", a.requesterEmail());
        view.put("upstream", a.upstream());
        view.put("method", a.method());
        view.put("tool", a.target());
        view.set("argsPreview", tree(a.argsPreview()));
        view.put("argsDigest", a.argsDigest());
        view.put("policy", a.policy());
        view.put("policyVersion", a.policyVersion());
        view.put("policyReason", a.policyReason());
        view.put("required", a.required());
        view.set("eligibleGroups", json.valueToTree(a.eligibleGroups()));
        view.put("createdAt", a.createdAt().toString());
        view.put("deadline", a.deadline().toString());
        view.put("decidedAt", a.decidedAt() == null ? null : a.decidedAt().toString());
        view.put("outcomeReason", a.outcomeReason());
        view.set("decidedBy", json.valueToTree(a.decidedBy()));
        ArrayNode decisions = view.putArray("decisions");
        for (RecordedDecision d : a.decisions()) {
            ObjectNode entry = decisions.addObject();
            entry.put("approver", d.approver());
            entry.put("decision", d.decision());
            entry.put("reason", d.reason());
            entry.put("channel", d.channel());
            entry.put("at", d.decidedAt().toString());
        }
        Optional<String> cannotDecide = cannotDecide(a, caller);
        view.put("canDecide", cannotDecide.isEmpty());
        view.put("cannotDecideReason", cannotDecide.orElse(null));
        return view;
    }

    private ArrayNode decisions(List<Decision> decisions) {
        ArrayNode list = json.createArrayNode();
        for (Decision d : decisions) {
            ObjectNode entry = list.addObject();
            entry.put("approver", d.decider().display());
            entry.put("decision", d.verdict().name().toLowerCase(Locale.ROOT));
            entry.put("reason", d.reason());
            entry.put("channel", d.channel());
            entry.put("at", d.at().toString());
        }
        return list;
    }

    private JsonNode tree(String storedJson) {
        try {
            return json.readTree(storedJson);
        } catch (IOException e) {
            throw new IllegalStateException("a stored argument preview is not JSON", e);
        }
    }

    private JsonNode body(Context ctx) {
        try {
            JsonNode body = json.readTree(ctx.bodyAsBytes());
            if (body == null || !body.isObject()) {
                throw new ApiRefusal(ApiRefusal.Reason.BAD_REQUEST, "the body must be a JSON object");
            }
            return body;
        } catch (IOException e) {
            throw new ApiRefusal(ApiRefusal.Reason.BAD_REQUEST, "the body is not valid JSON: " + e.getMessage());
        }
    }

    private static ApiRefusal notFound(String id) {
        return new ApiRefusal(ApiRefusal.Reason.NOT_FOUND, "no approval " + id + " that you may see");
    }

    private static Handler guarded(Handler handler) {
        return StoreGuard.around("the approval store", handler);
    }
}
