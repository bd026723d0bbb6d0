package dev.gatehouse.broker.temporal;

import dev.gatehouse.workflows.codec.EncryptedDataConverter;
import dev.gatehouse.workflows.gated.UpdateRejectionDataConverter;
import dev.gatehouse.workflows.codec.PayloadKey;
import dev.gatehouse.workflows.gated.GatedCallWorkflowImpl;
import dev.gatehouse.workflows.relay.RelayWorkflowImpl;
import dev.gatehouse.workflows.gated.NoticeSettlementWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The broker's part of Temporal: a {@link WorkflowClient} whose payloads are encrypted with the
 * payload key, and a worker on the task queue that runs {@code GatedCallWorkflowImpl} and the
 * gated-call activities with the same encryption. Thread-safe. Closing it stops the worker; the
 * {@link TemporalConnection} stays open for its owner to close.
 */
public final class TemporalRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TemporalRuntime.class);

    /** How long {@link #close()} lets running workflow and activity tasks finish before interrupting them. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private final WorkflowClient client;
    private final WorkerFactory workers;
    private final String taskQueue;
    private final String keyId;

    private TemporalRuntime(WorkflowClient client, WorkerFactory workers, String taskQueue, String keyId) {
        this.client = client;
        this.workers = workers;
        this.taskQueue = taskQueue;
        this.keyId = keyId;
    }

    /**
     * A runtime for gated calls (and the relays to agents) on {@code taskQueue}, on {@code client} (see
     * {@link #client}); its worker polls once {@link #start()}ed.
     */
    public static TemporalRuntime create(WorkflowClient client, String taskQueue, PayloadKey key, GatedCallActivities activities,
                                         WorkflowCaching caching) {
        Objects.requireNonNull(activities, "activities");
        return create(client, taskQueue, key, caching, worker -> {
            // RelayWorkflow carries messages to agents (upstreams[].agent); it costs nothing when none is configured.
            worker.registerWorkflowImplementationTypes(GatedCallWorkflowImpl.class, NoticeSettlementWorkflowImpl.class,
                    RelayWorkflowImpl.class);
            worker.registerActivitiesImplementations(activities.implementations().toArray());
        });
    }

    /** The same, with whatever {@code registrations} puts on the worker (tests run their own workflows). */
    static TemporalRuntime create(TemporalConnection connection, String namespace, String taskQueue, PayloadKey key,
                                  List<PayloadKey> previousKeys, WorkflowCaching caching, Consumer<Worker> registrations) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(namespace, "namespace");
        return create(client(connection, namespace, key, previousKeys), taskQueue, key, caching, registrations);
    }

    /** A runtime whose worker on {@code taskQueue} gets whatever {@code registrations} puts on it (agents, tests). */
    public static TemporalRuntime create(WorkflowClient client, String taskQueue, PayloadKey key, WorkflowCaching caching,
                                         Consumer<Worker> registrations) {
        Objects.requireNonNull(taskQueue, "taskQueue");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(caching, "caching");
        // Workflow code runs on virtual threads, and so do the task executors (workflow tasks, activities:
        // HTTP upstream calls, PostgreSQL writes), which block on I/O: no platform thread per task.
        WorkerFactoryOptions.Builder factory = WorkerFactoryOptions.newBuilder().setUsingVirtualWorkflowThreads(true);
        WorkerOptions.Builder options = WorkerOptions.newBuilder().setUsingVirtualThreads(true);
        if (caching == WorkflowCaching.NONE) {
            // Zero: completions carry no sticky attributes, so every workflow task goes to the shared task queue.
            factory.setWorkflowCacheSize(0);
            options.setStickyQueueScheduleToStartTimeout(Duration.ZERO);
        }
        WorkerFactory workers = WorkerFactory.newInstance(client, factory.build());
        Worker worker = workers.newWorker(taskQueue, options.build());
        registrations.accept(worker);
        return new TemporalRuntime(client, workers, taskQueue, key.fingerprint());
    }

    /**
     * A client of {@code namespace} whose payloads are encrypted with {@code key} and read with it or any of
     * {@code previousKeys}: the broker's, and an agent's (which must read and write the brokers' payloads).
     */
    public static WorkflowClient client(TemporalConnection connection, String namespace, PayloadKey key, List<PayloadKey> previousKeys) {
        return WorkflowClient.newInstance(connection.stubs(), WorkflowClientOptions.newBuilder()
                .setNamespace(namespace)
                // Validator refusals must reach deciders with their type and reason (see UpdateRejectionDataConverter).
                .setDataConverter(UpdateRejectionDataConverter.around(EncryptedDataConverter.of(key, previousKeys)))
                .build());
    }

    /** Starts polling the task queue. */
    public void start() {
        workers.start();
        log.info("Temporal worker polls task queue {} in namespace {}; payloads are encrypted with key {}",
                taskQueue, client.getOptions().getNamespace(), keyId);
    }

    public WorkflowClient client() {
        return client;
    }

    public String taskQueue() {
        return taskQueue;
    }

    /**
     * Stops polling and lets running tasks finish for up to {@link #SHUTDOWN_GRACE}, then interrupts
     * what is left. Nothing is lost either way: an unfinished task times out on the server and runs
     * again on another replica (or this one, after a restart).
     */
    @Override
    public void close() {
        close(SHUTDOWN_GRACE);
    }

    /** As {@link #close()}, waiting up to {@code grace} (an agent lets its upstream calls finish). */
    public void close(Duration grace) {
        workers.shutdown();
        workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        if (!workers.isTerminated()) {
            log.warn("Temporal worker on {} did not stop within {}; interrupting its tasks", taskQueue, grace);
            workers.shutdownNow();
        }
    }
}
