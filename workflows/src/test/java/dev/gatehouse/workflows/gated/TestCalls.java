package dev.gatehouse.workflows.gated;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The calls and people the workflow tests use: dave (an agent's owner, also a DBA) asks to delete
 * a customer; alice and bob are the DBAs who approve it; carol is an engineering lead, reached
 * only by escalation; erin approves nothing.
 */
final class TestCalls {

    static final Person ALICE = new Person("u-alice", "alice@example.com");
    static final Person BOB = new Person("u-bob", "bob@example.com");
    static final Person CAROL = new Person("u-carol", "carol@example.com");
    static final Person ERIN = new Person("u-erin", "erin@example.com");
    /** The requester, seen as a decider: the same subject. */
    static final Person DAVE = new Person("u-dave", "dave@example.com");
    static final Requester REQUESTER = new Requester("https://idp.example.com", "u-dave", "dave@example.com", List.of("agents"));

    static final Map<String, ApproverGroup> GROUPS = Map.of(
            "dba", new ApproverGroup("dba", List.of("alice@example.com", "bob@example.com", "dave@example.com"), null, true),
            "eng-leads", new ApproverGroup("eng-leads", List.of("carol@example.com"), "C0123456", false));

    private TestCalls() {
    }

    /** One DBA's approval within 30 minutes, nothing else. */
    static ApprovalPolicy policy() {
        return policy(1, null, List.of());
    }

    static ApprovalPolicy policy(int required, Duration remindEvery, List<EscalationStep> escalate) {
        return new ApprovalPolicy("deleting customers needs a DBA", "v1-3f1fbfb", List.of("dba"), required,
                Duration.ofMinutes(30), remindEvery, escalate, GROUPS, null, "");
    }

    static GatedCall call(String approvalId, ApprovalPolicy policy) {
        String request = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
                + "\"params\":{\"name\":\"delete_customer\",\"arguments\":{\"table\":\"customers\",\"id\":42}}}";
        return new GatedCall(approvalId, "key-" + approvalId, "session-1", "session-1", "7", REQUESTER, "crm",
                "tools/call", "delete_customer", request, "9f86d081884c7d65", "{\"table\":\"customers\",\"id\":42}",
                policy, Duration.ofSeconds(30));
    }

    static DecisionRequest approve(Person decider) {
        return new DecisionRequest(decider, Verdict.APPROVE, "", "web");
    }

    static DecisionRequest deny(Person decider, String reason) {
        return new DecisionRequest(decider, Verdict.DENY, reason, "slack");
    }
}
