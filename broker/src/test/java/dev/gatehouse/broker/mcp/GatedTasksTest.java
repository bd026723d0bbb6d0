package dev.gatehouse.broker.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.GatehouseApi;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Approval-gated calls as MCP 2025-11-25 tasks, through the real dev stack (embedded PostgreSQL and Temporal) in
 * front of the demo CRM: what is offered to whom, and a task's life from creation through tasks/get, tasks/result
 * and tasks/cancel, with approvers deciding through the decisions API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GatedTasksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private DemoUpstream upstream;
    private TestStack stack;
    private GatehouseApi api;

    @BeforeAll
    void start() {
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                approvers:
                  dba: { members: [alice@example.com] }
                roles: { auditors: [security] }
                policies:
                  - name: deletes need a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    approval: { approvers: [dba], timeout: 10m }
                  - name: the rest flows
                    action: allow
                """.formatted(upstream.url()));
        api = new GatehouseApi(stack.baseUrl(), who -> who.equals("auditor") ? token("auditor", "security") : token(who, "staff"));
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    @Test
    void offersTasksInTheInitializeResultOnlyToClientsThatDeclaredThem() {
        RawMcp agent = stack.raw("crm").bearer(token("agent-offer"));

        JsonNode declared = RawMcp.message(agent.post(initialize(true))).path("result").path("capabilities");
        JsonNode undeclared = RawMcp.message(agent.post(initialize(false))).path("result").path("capabilities");

        assertThat(declared.path("tasks").path("requests").path("tools").path("call").isObject()).as(declared.toString()).isTrue();
        assertThat(declared.path("tasks").path("cancel").isObject()).isTrue();
        assertThat(declared.path("tools").isObject()).as("the upstream's own capabilities stay").isTrue();
        assertThat(undeclared.has("tasks")).as(undeclared.toString()).isFalse();
    }

    @Test
    void marksGatedToolsAsOptionalTasksForClientsThatDeclaredThem() {
        JsonNode offered = tools(session("agent-list", true));
        JsonNode plain = tools(session("agent-list", false));

        assertThat(offered.path("delete_customer").path("execution").path("taskSupport").asText()).isEqualTo("optional");
        assertThat(offered.path("search_customers").has("execution")).as("an allowed tool is not a task").isFalse();
        assertThat(plain.path("delete_customer").has("execution")).isFalse();
    }

    @Test
    void runsAnApprovedCallAsATaskFromWorkingToItsResult() throws Exception {
        RawMcp agent = session("agent-task", true);

        JsonNode created = rpc(agent, "t1", "tools/call", """
                {"name":"delete_customer","arguments":{"id":"t-1"},"task":{"ttl":60000}}""").path("result");

        JsonNode task = created.path("task");
        String taskId = task.path("taskId").asText();
        assertThat(taskId).startsWith("apr-");
        assertThat(task.path("status").asText()).isEqualTo("working");
        assertThat(task.path("statusMessage").asText()).contains("dba").contains("until 20");
        assertThat(task.path("pollInterval").asLong()).isEqualTo(5000);
        assertThat(task.path("ttl").asLong()).as("the approval's 10m plus the 10m replay window").isEqualTo(1_200_000);
        assertThat(Instant.parse(task.path("createdAt").asText())).isBeforeOrEqualTo(Instant.parse(task.path("lastUpdatedAt").asText()));
        assertThat(approval(taskId).path("status").asText()).isEqualTo("pending");
        assertThat(status(agent, taskId).path("status").asText()).isEqualTo("working");
        CompletableFuture<HttpResponse<String>> waiting = agent.postAsync(request("r-early", "tasks/result", taskParams(taskId)));

        decide(taskId, "approve", "fine");

        JsonNode completed = Poll.until("task " + taskId + " completed", PATIENCE,
                () -> Optional.of(status(agent, taskId)).filter(t -> t.path("status").asText().equals("completed")));
        assertThat(completed.path("statusMessage").asText()).contains("approved by alice@example.com");
        JsonNode early = RawMcp.message(waiting.get(30, TimeUnit.SECONDS));
        JsonNode result = rpc(agent, "r1", "tasks/result", taskParams(taskId));
        for (JsonNode answer : new JsonNode[] {early, result}) {
            assertThat(answer.path("result").path("content").get(0).path("text").asText()).contains("Customer t-1");
            assertThat(answer.path("result").path("_meta").path(GatedTasks.RELATED_TASK).path("taskId").asText()).isEqualTo(taskId);
        }
        assertThat(early.path("id").asText()).isEqualTo("r-early");
        assertThat(result.path("id").asText()).isEqualTo("r1");
    }

    @Test
    void cancelsATaskAndItsApproval() throws Exception {
        RawMcp agent = session("agent-cancel", true);
        String taskId = createTask(agent, "c-1");
        awaitRecordedPending(agent, taskId);

        JsonNode cancelled = rpc(agent, "x1", "tasks/cancel", taskParams(taskId)).path("result");

        assertThat(cancelled.path("taskId").asText()).isEqualTo(taskId);
        assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
        assertThat(approval(taskId).path("status").asText()).isEqualTo("cancelled");
        assertThat(status(agent, taskId).path("status").asText()).isEqualTo("cancelled");
        JsonNode again = rpc(agent, "x2", "tasks/cancel", taskParams(taskId)).path("error");
        assertThat(again.path("code").asInt()).isEqualTo(-32602);
        assertThat(again.path("message").asText()).contains("already in terminal status 'cancelled'");
        assertThat(rpc(agent, "x3", "tasks/result", taskParams(taskId)).path("error").path("code").asInt()).isEqualTo(-32045);
    }

    @Test
    void failsADeniedTaskNamingWhoDeniedIt() throws Exception {
        RawMcp agent = session("agent-denied", true);
        String taskId = createTask(agent, "d-1");

        decide(taskId, "deny", "not during the freeze");

        JsonNode failed = Poll.until("task " + taskId + " failed", PATIENCE,
                () -> Optional.of(status(agent, taskId)).filter(t -> t.path("status").asText().equals("failed")));
        assertThat(failed.path("statusMessage").asText()).contains("alice@example.com").contains("not during the freeze");
        JsonNode error = rpc(agent, "r1", "tasks/result", taskParams(taskId)).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32040);
        assertThat(error.path("message").asText()).contains("denied by alice@example.com");
    }

    @Test
    void answersAnotherCallersTaskAsUnknownAndForwardsTaskIdsThatAreNotApprovals() throws Exception {
        String taskId = createTask(session("agent-owner", true), "o-1");
        RawMcp stranger = session("agent-stranger", true);

        JsonNode theirs = rpc(stranger, "g1", "tasks/get", taskParams(taskId)).path("error");
        JsonNode nobodys = rpc(stranger, "g2", "tasks/get", taskParams("apr-00000000-0000-0000-0000-000000000000")).path("error");
        JsonNode cancel = rpc(stranger, "g3", "tasks/cancel", taskParams(taskId)).path("error");
        JsonNode upstreams = rpc(stranger, "g4", "tasks/get", taskParams("upstream-task-7"));

        assertThat(theirs.path("code").asInt()).isEqualTo(-32602);
        assertThat(theirs.path("message").asText()).isEqualTo("task " + taskId + " not found");
        assertThat(nobodys.path("message").asText()).isEqualTo("task apr-00000000-0000-0000-0000-000000000000 not found");
        assertThat(theirs.path("data").size()).isEqualTo(nobodys.path("data").size());
        assertThat(cancel.path("code").asInt()).isEqualTo(-32602);
        assertThat(approval(taskId).path("status").asText()).isEqualTo("pending");
        assertThat(upstreams.path("error").path("code").asInt()).as("the demo upstream knows no tasks/get").isEqualTo(-32601);
        assertThat(upstreams.path("error").path("data").path("reason").isMissingNode()).as("the upstream answered, not the broker").isTrue();
    }

    @Test
    void holdsATaskAugmentedCallOfAClientThatDidNotDeclareTasks() throws Exception {
        // MCP: a receiver that did not declare tasks processes the request normally, ignoring the task.
        RawMcp agent = session("agent-plain", false);

        CompletableFuture<HttpResponse<String>> held = agent.postAsync(request("p1", "tools/call", """
                {"name":"delete_customer","arguments":{"id":"p-1"},"task":{"ttl":60000}}"""));
        JsonNode pending = Poll.until("a pending approval of agent-plain", PATIENCE, () -> pendingOf("agent-plain"));
        decide(pending.path("id").asText(), "approve", "");

        HttpResponse<String> answer = held.get(30, TimeUnit.SECONDS);
        assertThat(answer.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertThat(answer.body()).contains("waiting for approval " + pending.path("id").asText());
        assertThat(RawMcp.message(answer).path("result").path("content").get(0).path("text").asText()).contains("Customer p-1");
        assertThat(RawMcp.message(answer).path("result").has("task")).isFalse();
    }

    private String createTask(RawMcp agent, String customer) throws IOException {
        JsonNode created = rpc(agent, "create-" + customer, "tools/call", """
                {"name":"delete_customer","arguments":{"id":"%s"},"task":{}}""".formatted(customer));
        String taskId = created.path("result").path("task").path("taskId").asText();
        assertThat(taskId).as(created.toString()).startsWith("apr-");
        return taskId;
    }

    /**
     * Waits until the approval's workflow has recorded it as pending. A cancel that overtakes that first step can leave
     * the in-memory Temporal server retrying the workflow task for longer than a test waits (a workflow-side race).
     */
    private void awaitRecordedPending(RawMcp agent, String approvalId) {
        Poll.until("approval " + approvalId + " recorded as pending", PATIENCE, () ->
                api.events("auditor", agent.sessionId()).stream()
                        .filter(event -> event.path("kind").asText().equals("approval")
                                && event.path("payload").path("approvalId").asText().equals(approvalId)
                                && event.path("payload").path("step").asText().equals("pending"))
                        .findFirst());
    }

    private RawMcp session(String subject, boolean declareTasks) {
        RawMcp raw = stack.raw("crm").bearer(token(subject));
        HttpResponse<String> response = raw.post(initialize(declareTasks));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String id = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
        return raw.with("Mcp-Session-Id", id).with("MCP-Protocol-Version", "2025-11-25");
    }

    private static String initialize(boolean declareTasks) {
        return """
                {"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25",
                 "capabilities":%s,"clientInfo":{"name":"tasks-test","version":"1"}}}"""
                .formatted(declareTasks ? "{\"tasks\":{\"cancel\":{},\"list\":{}}}" : "{}");
    }

    /** The tools/list result by tool name. */
    private static JsonNode tools(RawMcp agent) {
        JsonNode listed = RawMcp.message(agent.post(request("l1", "tools/list", "{}"))).path("result").path("tools");
        var byName = JSON.createObjectNode();
        listed.forEach(tool -> byName.set(tool.path("name").asText(), tool));
        return byName;
    }

    private static JsonNode status(RawMcp agent, String taskId) {
        JsonNode answer = RawMcp.message(agent.post(request("get-" + System.nanoTime(), "tasks/get", taskParams(taskId))));
        assertThat(answer.has("result")).as(answer.toString()).isTrue();
        return answer.path("result");
    }

    private static JsonNode rpc(RawMcp agent, String id, String method, String params) {
        HttpResponse<String> response = agent.post(request(id, method, params));
        JsonNode message = RawMcp.message(response);
        assertThat(message.path("id").asText()).as(response.body()).isEqualTo(id);
        return message;
    }

    private static String request(String id, String method, String params) {
        return """
                {"jsonrpc":"2.0","id":"%s","method":"%s","params":%s}""".formatted(id, method, params);
    }

    private static String taskParams(String taskId) {
        return "{\"taskId\":\"" + taskId + "\"}";
    }

    private String token(String subject, String... groups) {
        return stack.token(subject, groups.length == 0 ? new String[] {"agents"} : groups);
    }

    private void decide(String approvalId, String decision, String reason) {
        HttpResponse<String> decided = api.decide("alice", approvalId, decision, reason);
        assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
    }

    private JsonNode approval(String approvalId) {
        return api.get("auditor", "/api/approvals/" + approvalId);
    }

    private Optional<JsonNode> pendingOf(String requester) {
        return api.approvals("auditor", "status=pending").stream()
                .filter(approval -> approval.path("requester").path("subject").asText().equals(requester))
                .findFirst();
    }
}
