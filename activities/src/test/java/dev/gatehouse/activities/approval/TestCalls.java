package dev.gatehouse.activities.approval;

import dev.gatehouse.workflows.gated.ApprovalPolicy;
import dev.gatehouse.workflows.gated.ApproverGroup;
import dev.gatehouse.workflows.gated.EscalationStep;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.Requester;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Gated calls as the broker builds them, for tests. */
final class TestCalls {

    static final String SESSION = "s-1";
    static final String SECRET = "4111 1111 1111 1111";

    private TestCalls() {
    }

    static ApprovalPolicy policy() {
        return new ApprovalPolicy("deleting customers needs a DBA", "v1", List.of("dba"), 1, Duration.ofMinutes(30), null,
                List.of(new EscalationStep(Duration.ofMinutes(15), List.of("eng-leads"))),
                Map.of("dba", new ApproverGroup("dba", List.of("alice@example.com", "bob@example.com"), "C0123456", true),
                        "eng-leads", new ApproverGroup("eng-leads", List.of("carol@example.com"), null, false)),
                null, "customer data is deleted for good");
    }

    static final String ISSUER = "https://idp.example.com";

    /** A call by {@code subject} deleting customer {@code customer}; identical arguments give identical keys. */
    static GatedCall call(String approvalId, String subject, String customer) {
        return call(approvalId, subject, customer, SESSION, "7");
    }

    static GatedCall call(String approvalId, String subject, String customer, String sessionId, String jsonRpcId) {
        return call(approvalId, ISSUER, subject, customer, sessionId, jsonRpcId);
    }

    /** The same call by a workload of another issuer, which may well use the same subject. */
    static GatedCall call(String approvalId, String issuer, String subject, String customer) {
        return call(approvalId, issuer, subject, customer, SESSION, "7");
    }

    private static GatedCall call(String approvalId, String issuer, String subject, String customer, String sessionId,
                                  String jsonRpcId) {
        String request = "{\"jsonrpc\":\"2.0\",\"id\":" + jsonRpcId + ",\"method\":\"tools/call\",\"params\":{\"name\":\"delete_customer\","
                + "\"arguments\":{\"customer\":\"" + customer + "\",\"card\":\"" + SECRET + "\"}}}";
        String key = "key-" + (issuer.equals(ISSUER) ? "" : issuer + "-") + subject + "-" + customer;
        return new GatedCall(approvalId, key, sessionId, sessionId, jsonRpcId,
                new Requester(issuer, subject, subject + "@example.com", List.of("agents")), "crm", "tools/call", "delete_customer",
                request, "digest-" + customer, "{\"customer\":\"" + customer + "\",\"card\":\"[card]\"}", policy(),
                Duration.ofSeconds(10));
    }
}
