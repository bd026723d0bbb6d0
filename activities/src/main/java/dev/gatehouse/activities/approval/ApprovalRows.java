package dev.gatehouse.activities.approval;

import org.jdbi.v3.core.Handle;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads approval rows and their decisions into {@link ApprovalRecord}s. */
final class ApprovalRows {

    static final String COLUMNS = """
            id, session_id, call_key, mcp_session_id, jsonrpc_id, requester_issuer, requester, requester_email, upstream, method, tool,
            args_digest, args_preview::text as args_preview, policy, policy_version, policy_reason, status, required, eligible_groups,
            deadline, decided_by, created_at, decided_at, outcome_reason""";

    private ApprovalRows() {
    }

    /** {@code rows} (read with {@link #COLUMNS}), each with its decisions, read in one more query. */
    static List<ApprovalRecord> withDecisions(Handle h, List<ApprovalRecord> rows) {
        if (rows.isEmpty()) {
            return rows;
        }
        Map<String, List<RecordedDecision>> decisions = decisions(h, rows.stream().map(ApprovalRecord::id).toList());
        List<ApprovalRecord> complete = new ArrayList<>(rows.size());
        for (ApprovalRecord row : rows) {
            complete.add(row.withDecisions(decisions.getOrDefault(row.id(), List.of())));
        }
        return complete;
    }

    private static Map<String, List<RecordedDecision>> decisions(Handle h, Collection<String> ids) {
        Map<String, List<RecordedDecision>> byApproval = new LinkedHashMap<>();
        h.createQuery("""
                        select approval_id, approver, channel, decided_at, decision, reason from audit_approval_decision
                        where approval_id = any(:ids) order by approval_id, decided_at, approver""")
                .bindArray("ids", String.class, ids)
                .map((rs, ctx) -> Map.entry(rs.getString("approval_id"), new RecordedDecision(rs.getString("approver"),
                        rs.getString("channel"), instant(rs, "decided_at"), rs.getString("decision"), rs.getString("reason"))))
                .forEach(e -> byApproval.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        return byApproval;
    }

    static ApprovalRecord approval(ResultSet rs) throws SQLException {
        return new ApprovalRecord(
                rs.getString("id"),
                rs.getString("session_id"),
                rs.getString("call_key"),
                rs.getString("mcp_session_id"),
                rs.getString("jsonrpc_id"),
                rs.getString("requester_issuer"),
                rs.getString("requester"),
                rs.getString("requester_email"),
                rs.getString("upstream"),
                rs.getString("method"),
                rs.getString("tool"),
                rs.getString("args_digest"),
                rs.getString("args_preview"),
                rs.getString("policy"),
                rs.getString("policy_version"),
                rs.getString("policy_reason"),
                rs.getString("status"),
                rs.getInt("required"),
                strings(rs.getArray("eligible_groups")),
                instant(rs, "deadline"),
                strings(rs.getArray("decided_by")),
                instant(rs, "created_at"),
                instant(rs, "decided_at"),
                rs.getString("outcome_reason"),
                List.of());
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }
}
