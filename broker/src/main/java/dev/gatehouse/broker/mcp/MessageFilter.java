package dev.gatehouse.broker.mcp;

/**
 * Rewrites a JSON-RPC message on its way back to the caller, given and returned as JSON text. A
 * filter returns its input unchanged (the same string) for messages it does not concern, so those
 * pass byte for byte.
 */
@FunctionalInterface
interface MessageFilter {

    MessageFilter NONE = json -> json;

    String apply(String json);

    /**
     * {@link #apply} in two halves, for a stream whose messages may arrive faster than they can be
     * let through: staging starts what can start at once (the recording filter queues the message
     * for its commit) and {@link Staged#release()} finishes it (waits for that commit) and returns
     * what {@code apply} would. Messages are staged and released in stream order, staging on one
     * thread and releasing on another; staging the next message before the last is released lets
     * messages that arrive together share one commit. By default all the work happens when staged.
     */
    default Staged stage(String json) {
        String passed = apply(json);
        return () -> passed;
    }

    /** A message staged by {@link #stage}, waiting to be let through. */
    @FunctionalInterface
    interface Staged {
        String release();
    }
}
