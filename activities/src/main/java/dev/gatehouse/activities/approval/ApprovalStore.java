package dev.gatehouse.activities.approval;

import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.workflows.gated.GatedCall;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Approvals in PostgreSQL, shared by every broker replica: which approval a gated call belongs to,
 * what the web inbox lists, which approval a cancellation names. PostgreSQL is the one place that
 * decides whether an identical call is already waiting, so a retry reaching another replica still
 * attaches to it. Thread-safe (each call takes its own connection).
 */
public final class ApprovalStore {

    /** Outcomes an identical call is answered with in the replay window; an abandoned call never ran, so it is asked again. */
    private static final List<String> REPLAYABLE = List.of(ApprovalRecord.APPROVED, ApprovalRecord.DENIED,
            ApprovalRecord.EXPIRED, ApprovalRecord.CANCELLED);

    /** A claim retries when the pending approval it collided with was decided before it could look at it. */
    private static final int CLAIM_ATTEMPTS = 5;

    private final Jdbi jdbi;

    public ApprovalStore(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    /**
     * Decides, in one transaction, what a gated call waits for: the pending approval of an identical call
     * ({@link Claim.Attached}), nothing because its requester has too many waiting already
     * ({@link Claim.TooManyPending}), or its own approval, inserted as pending with the policy's first
     * approvers eligible ({@link Claim.Claimed}). Concurrent claims of one call yield one {@code Claimed}.
     *
     * @param maxPendingPerRequester the most approvals one requester may have waiting; at least 1
     */
    public Claim claim(GatedCall call, Instant deadline, int maxPendingPerRequester) {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(deadline, "deadline");
        if (maxPendingPerRequester < 1) {
            throw new IllegalArgumentException("maxPendingPerRequester cannot be less than 1");
        }
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
            Optional<Claim> claim = jdbi.inTransaction(h -> claimOnce(h, call, deadline, maxPendingPerRequester));
            if (claim.isPresent()) {
                return claim.get();
            }
        }
        throw new IllegalStateException("approval " + call.approvalId() + " could neither be inserted nor attached after "
                + CLAIM_ATTEMPTS + " attempts; another approval of the same call keeps changing");
    }

    private static Optional<Claim> claimOnce(Handle h, GatedCall call, Instant deadline, int max) {
        // One requester's claims take turns (a transaction-scoped lock on their issuer and subject), so the count below
        // and the insert see the same pending set and concurrent calls cannot together pass the cap. Others do not wait.
        h.createQuery("select 1 from pg_advisory_xact_lock(hashtextextended("
                        + "'gatehouse-approval-claim:' || :issuer || chr(10) || :requester, 0))")
                .bind("issuer", call.requester().issuer())
                .bind("requester", call.requester().subject())
                .mapTo(Integer.class)
                .one();
        // A pending approval past its deadline is being expired by its workflow, or was lost with it: it must not lock
        // its requester out. An identical call still attaches to it (the workflow, if any, answers it).
        Map<String, Object> seen = h.createQuery("""
                        select (select id from audit_approval where call_key = :key and status = 'pending') as existing,
                               (select count(*) from audit_approval
                                 where requester = :requester and requester_issuer = :issuer
                                   and status = 'pending' and deadline > now()) as pending""")
                .bind("key", call.callKey())
                .bind("issuer", call.requester().issuer())
                .bind("requester", call.requester().subject())
                .mapToMap()
                .one();
        if (seen.get("existing") != null) {
            return Optional.of(new Claim.Attached((String) seen.get("existing")));
        }
        int pending = ((Number) seen.get("pending")).intValue();
        if (pending >= max) {
            return Optional.of(new Claim.TooManyPending(pending, max));
        }
        if (insertPending(h, call, deadline)) {
            return Optional.of(new Claim.Claimed(call.approvalId()));
        }
        // An identical call's approval was inserted meanwhile without the lock (by its recordPending): attach to it. A new
        // statement sees it committed, since the insert above waited for it.
        return pendingId(h, call.callKey()).map(Claim.Attached::new);
    }

    private static Optional<String> pendingId(Handle h, String callKey) {
        return h.createQuery("select id from audit_approval where call_key = :key and status = 'pending'")
                .bind("key", callKey)
                .mapTo(String.class)
                .findOne();
    }

    /**
     * Inserts the call's approval as pending unless it exists, or another approval of the same call is pending.
     * The recording session is linked only once it is recorded (its first events may still be on their way).
     */
    static boolean insertPending(Handle h, GatedCall call, Instant deadline) {
        return h.createQuery("""
                        insert into audit_approval (id, session_id, call_key, mcp_session_id, jsonrpc_id, requester_issuer, requester,
                                                    requester_email, upstream, method, tool, args_digest, args_preview, policy, policy_version,
                                                    policy_reason, status, required, eligible_groups, deadline, created_at)
                        values (:id, (select id from audit_session where id = :sessionId), :callKey, :mcpSessionId, :jsonRpcId,
                                :requesterIssuer, :requester, :requesterEmail, :upstream, :method, :tool, :argsDigest, cast(:argsPreview as jsonb),
                                :policy, :policyVersion, :policyReason, 'pending', :required, :eligibleGroups, :deadline, now())
                        on conflict do nothing
                        returning id""")
                .bind("id", call.approvalId())
                .bind("sessionId", call.recordingSessionId())
                .bind("callKey", call.callKey())
                .bind("mcpSessionId", call.sessionId())
                .bind("jsonRpcId", call.jsonRpcId())
                .bind("requesterIssuer", call.requester().issuer())
                .bind("requester", call.requester().subject())
                .bind("requesterEmail", call.requester().email())
                .bind("upstream", call.upstream())
                .bind("method", call.method())
                .bind("tool", call.target())
                .bind("argsDigest", call.argsDigest())
                .bind("argsPreview", StorableJson.of(call.argsPreview()))
                .bind("policy", call.policy().rule())
                .bind("policyVersion", call.policy().policyVersion())
                .bind("policyReason", call.policy().reason())
                .bind("required", call.policy().required())
                .bindArray("eligibleGroups", String.class, call.policy().approvers())
                .bind("deadline", Timestamp.from(deadline))
                .mapTo(String.class)
                .findOne()
                .isPresent();
    }

    /**
     * The latest approval of an identical call that ended (approved, denied, expired or cancelled) within
     * {@code window} before now: a retry after a dropped connection gets its result instead of running again.
     */
    public Optional<ApprovalRecord> recentlyCompleted(String callKey, Duration window) {
        Objects.requireNonNull(callKey, "callKey");
        Timestamp since = Timestamp.from(Instant.now().minus(window));
        return jdbi.withHandle(h -> first(h, h.createQuery("select " + ApprovalRows.COLUMNS + """
                         from audit_approval
                        where call_key = :key and status = any(:statuses) and decided_at >= :since
                        order by decided_at desc limit 1""")
                .bind("key", callKey)
                .bindArray("statuses", String.class, REPLAYABLE)
                .bind("since", since)));
    }

    /** The approval with its decisions, when it exists. */
    public Optional<ApprovalRecord> find(String approvalId) {
        return jdbi.withHandle(h -> first(h, h.createQuery("select " + ApprovalRows.COLUMNS + " from audit_approval where id = :id")
                .bind("id", approvalId)));
    }

    /** The approvals {@code query} matches, newest first, with their decisions. */
    public List<ApprovalRecord> list(ApprovalQuery query) {
        List<String> where = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>();
        query.status().ifPresent(s -> {
            where.add("status = :status");
            binds.put("status", s);
        });
        query.requester().ifPresent(r -> {
            where.add("requester = :requester");
            binds.put("requester", r);
        });
        query.visibleTo().ifPresent(groups -> where.add("eligible_groups && cast(:groups as text[])"));
        String sql = "select " + ApprovalRows.COLUMNS + " from audit_approval"
                + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
                + " order by created_at desc, id desc limit :limit";
        return jdbi.withHandle(h -> {
            Query select = h.createQuery(sql);
            binds.forEach(select::bind);
            query.visibleTo().ifPresent(groups -> select.bindArray("groups", String.class, groups));
            select.bind("limit", query.limit());
            return ApprovalRows.withDecisions(h, select.map((rs, ctx) -> ApprovalRows.approval(rs)).list());
        });
    }

    /** The pending approval of the request {@code jsonRpcId} (JSON text) in {@code mcpSessionId}: what a cancellation names. */
    public Optional<String> pendingFor(String mcpSessionId, String jsonRpcId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select id from audit_approval
                        where mcp_session_id = :session and jsonrpc_id = :id and status = 'pending'
                        order by created_at desc limit 1""")
                .bind("session", mcpSessionId)
                .bind("id", jsonRpcId)
                .mapTo(String.class)
                .findOne());
    }

    /** How many approvals wait for a decision now, across every broker. */
    public long countPending() {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from audit_approval where status = 'pending'")
                .mapTo(Long.class).one());
    }

    /**
     * Marks every pending approval abandoned, saying why: dev mode's in-memory Temporal lost their
     * workflows at restart, so nobody would ever decide them. Returns how many.
     */
    public int abandonPending(String reason) {
        Objects.requireNonNull(reason, "reason");
        return jdbi.withHandle(h -> h.createUpdate("""
                        update audit_approval set status = 'abandoned', decided_at = now(), outcome_reason = :reason
                        where status = 'pending'""")
                .bind("reason", reason)
                .execute());
    }

    /**
     * Pending approvals whose deadline passed more than {@code grace} ago, oldest first: a running workflow would
     * have expired them by then, so their workflow never started or ended without saying so.
     */
    public List<String> pendingPastDeadline(java.time.Duration grace, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select id from audit_approval
                        where status = 'pending' and deadline < now() - cast(:grace as interval)
                        order by deadline limit :limit""")
                .bind("grace", grace.toSeconds() + " seconds")
                .bind("limit", limit)
                .mapTo(String.class)
                .list());
    }

    /** Marks one pending approval abandoned, saying why; false when it is no longer pending. */
    public boolean abandon(String approvalId, String reason) {
        Objects.requireNonNull(reason, "reason");
        return jdbi.withHandle(h -> h.createUpdate("""
                        update audit_approval set status = 'abandoned', decided_at = now(), outcome_reason = :reason
                        where id = :id and status = 'pending'""")
                .bind("id", approvalId)
                .bind("reason", reason)
                .execute()) == 1;
    }

    /**
     * Lets {@code groups} see a pending approval in the inbox too (an escalation step passed). Returns false
     * when it is not pending or they could see it already. The workflow, not this column, decides who may decide.
     */
    public boolean addEligibleGroups(String approvalId, Collection<String> groups) {
        if (groups.isEmpty()) {
            return false;
        }
        return jdbi.withHandle(h -> h.createUpdate("""
                        update audit_approval
                           set eligible_groups = eligible_groups
                               || array(select distinct g from unnest(cast(:groups as text[])) as g where g <> all(eligible_groups))
                        where id = :id and status = 'pending' and not eligible_groups @> cast(:groups as text[])""")
                .bind("id", approvalId)
                .bindArray("groups", String.class, groups)
                .execute()) == 1;
    }

    /**
     * Inserts the approval unless it (or a pending one of the same call) exists, links its recording session once
     * recorded, and takes the workflow's deadline: the broker's claim estimated it before the workflow started, and
     * the workflow's timer is the one that expires the call.
     */
    boolean recordPending(GatedCall call, Instant deadline) {
        return jdbi.inTransaction(h -> {
            boolean inserted = insertPending(h, call, deadline);
            h.createUpdate("""
                            update audit_approval
                               set session_id = coalesce(session_id, (select id from audit_session where id = :sessionId)),
                                   deadline = :deadline
                            where id = :id and status = 'pending'""")
                    .bind("id", call.approvalId())
                    .bind("sessionId", call.recordingSessionId())
                    .bind("deadline", Timestamp.from(deadline))
                    .execute();
            return inserted;
        });
    }

    /** Stores a decision once (by approver) and adds the approver to {@code decided_by}. */
    void recordDecision(String approvalId, RecordedDecision decision) {
        jdbi.useTransaction(h -> {
            h.createUpdate("""
                            insert into audit_approval_decision (approval_id, approver, channel, decided_at, decision, reason)
                            values (:id, :approver, :channel, :at, :decision, :reason)
                            on conflict do nothing""")
                    .bind("id", approvalId)
                    .bind("approver", decision.approver())
                    .bind("channel", decision.channel())
                    .bind("at", Timestamp.from(decision.decidedAt()))
                    .bind("decision", decision.decision())
                    .bind("reason", decision.reason())
                    .execute();
            h.createUpdate("""
                            update audit_approval set decided_by = decided_by || cast(:approver as text)
                            where id = :id and status = 'pending' and not (cast(:approver as text) = any(decided_by))""")
                    .bind("id", approvalId)
                    .bind("approver", decision.approver())
                    .execute();
        });
    }

    /**
     * Ends a pending approval: its status, when, why and who decided it. Returns false when it was not pending
     * (a retried activity finds its own earlier write).
     */
    boolean recordOutcome(String approvalId, String status, Instant decidedAt, String reason, List<String> decidedBy) {
        return recordOutcome(approvalId, status, decidedAt, reason, decidedBy, List.of());
    }

    /**
     * As {@link #recordOutcome(String, String, Instant, String, List)}, storing {@code decisions} (those not stored
     * yet) in the same transaction: one commit for the whole outcome.
     */
    boolean recordOutcome(String approvalId, String status, Instant decidedAt, String reason, List<String> decidedBy,
                          List<RecordedDecision> decisions) {
        return jdbi.inTransaction(h -> {
            if (!decisions.isEmpty()) {
                h.createUpdate("""
                                insert into audit_approval_decision (approval_id, approver, channel, decided_at, decision, reason)
                                select :id, d.approver, d.channel, d.at::timestamptz, d.decision, d.reason
                                  from unnest(:approvers, :channels, :ats, :decisions, :reasons)
                                       as d(approver, channel, at, decision, reason)
                                on conflict do nothing""")
                        .bind("id", approvalId)
                        .bindArray("approvers", String.class, decisions.stream().map(RecordedDecision::approver).toList())
                        .bindArray("channels", String.class, decisions.stream().map(RecordedDecision::channel).toList())
                        .bindArray("ats", String.class, decisions.stream().map(d -> d.decidedAt().toString()).toList())
                        .bindArray("decisions", String.class, decisions.stream().map(RecordedDecision::decision).toList())
                        .bindArray("reasons", String.class, decisions.stream().map(RecordedDecision::reason).toList())
                        .execute();
            }
            return h.createUpdate("""
                            update audit_approval
                               set status = :status, decided_at = :at, outcome_reason = :reason, decided_by = :decidedBy
                            where id = :id and status = 'pending'""")
                    .bind("id", approvalId)
                    .bind("status", status)
                    .bind("at", Timestamp.from(decidedAt))
                    .bind("reason", reason)
                    .bindArray("decidedBy", String.class, decidedBy)
                    .execute() == 1;
        });
    }

    Jdbi jdbi() {
        return jdbi;
    }

    private static Optional<ApprovalRecord> first(Handle h, Query query) {
        return ApprovalRows.withDecisions(h, query.map((rs, ctx) -> ApprovalRows.approval(rs)).list()).stream().findFirst();
    }
}
