package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A {@code tools/call} a policy gated, held open by the broker, and the id of the approval it waits for. */
public record HeldCall(CompletableFuture<HttpResponse<String>> call, String approvalId) {

    /**
     * Makes the call as {@code agent} in a session of its own and waits until its approval is pending.
     *
     * @param api a client whose {@code "auditor"} may list approvals
     */
    public static HeldCall start(TestStack stack, GatehouseApi api, String agent, String upstream, String tool, String arguments,
                                 Duration patience) {
        RawMcp raw = stack.raw(upstream).bearer(stack.token(agent, "agents"));
        String session = raw.initialize();
        RawMcp client = raw.with("Mcp-Session-Id", session).with("MCP-Protocol-Version", "2025-11-25");
        CompletableFuture<HttpResponse<String>> call = client.postAsync("""
                {"jsonrpc":"2.0","id":"1","method":"tools/call","params":{"name":"%s","arguments":%s}}""".formatted(tool, arguments));
        String id = Poll.until("a pending approval of " + agent, patience, () -> api.approvals("auditor", "status=pending").stream()
                .filter(a -> a.path("requester").path("subject").asText().equals(agent))
                .map(a -> a.path("id").asText())
                .findFirst());
        return new HeldCall(call, id);
    }

    /** The JSON-RPC message the call was finally answered with. */
    public JsonNode answer() throws Exception {
        return RawMcp.message(call.get(30, TimeUnit.SECONDS));
    }
}
