package dev.gatehouse.broker.temporal;

/**
 * Whether a worker keeps the workflows it ran in memory for their next task (Temporal's sticky
 * execution), so that task replays only the events since, instead of the whole history.
 */
public enum WorkflowCaching {

    /**
     * Brokers are stateless replicas on one task queue: a workflow's next task must go to whichever
     * replica polls, at once, not wait on the private queue of one that crashed (Temporal's test
     * server never hands such tasks on; a real cluster does only after a timeout). A gated call's
     * history is a few dozen events, so replaying it per task is cheap, and a waiting approval holds
     * no memory in any broker.
     */
    NONE,

    /**
     * The worker is the only one of an engine that lives and dies with it (the dev stack's in-memory
     * server): no other replica could take over a task, so keeping workflows cached loses nothing
     * and spares a full replay, with every payload decrypted again, on each workflow task (about
     * 7 ms of the gated path's overhead on two cores; see BENCHMARKS.md).
     */
    STICKY
}
