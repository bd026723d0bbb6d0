package dev.gatehouse.workflows.gated;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstream MCP server's stand-in at the process boundary: answers every forwarded call, or
 * throws {@link #failure} when a test sets it. Counts the calls; thread-safe.
 */
final class ScriptedForward implements ForwardActivities {

    final AtomicInteger calls = new AtomicInteger();
    volatile RuntimeException failure;
    /** Closed by a test that needs the workflow held while the call is "at the upstream". */
    final Hold hold = new Hold();

    @Override
    public ForwardResult forward(GatedCall call) {
        calls.incrementAndGet();
        hold.pass();
        if (failure != null) {
            throw failure;
        }
        return ForwardResult.answered(answerTo(call));
    }

    static String answerTo(GatedCall call) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + call.jsonRpcId()
                + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"deleted\"}]}}";
    }
}
