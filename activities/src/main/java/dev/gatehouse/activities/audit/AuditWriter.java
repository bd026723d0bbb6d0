package dev.gatehouse.activities.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes audit events with group commit: every thread that records an event gets a future that
 * completes once the event is durably committed, and a writer thread commits whatever has queued
 * up since its last commit in a single transaction. Under load one commit (one fsync) covers
 * hundreds of events from many requests; alone, an event waits for one commit.
 *
 * <p>Sessions are spread over {@link WriterSettings#lanes()} lanes by id, each with its own queue,
 * thread and connection: a session's events keep their order (one lane writes them), lanes never
 * contend for the same chain heads, and one lane's commit overlaps another's preparation.
 *
 * <p>Bounded: beyond {@link WriterSettings#queueCapacity()} events or
 * {@link WriterSettings#maxQueuedBytes()} payload bytes, appends fail with
 * {@link AuditBacklogFullException} after a short wait instead of growing memory. When PostgreSQL
 * is unreachable, appends fail at once with {@link AuditUnavailableException} (fail closed) —
 * except {@link Durability#FAIL_OPEN} ones, which are kept in a bounded spool, marked, and
 * written as soon as PostgreSQL answers again.
 */
public final class AuditWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditWriter.class);

    /** What an append needs when the audit store is down. */
    public enum Durability {
        /** Refuse: the call must not proceed without its record. */
        FAIL_CLOSED,
        /** Keep it in memory and let the call go on; it is written, marked fail-open, once PostgreSQL is back. */
        FAIL_OPEN
    }

    /**
     * Events of one session waiting for the writer, with the content digests the recording thread
     * already computed. They are always committed together, in order, in one batch.
     */
    record Pending(RecordingSession session, List<AuditEvent> events, List<byte[]> contentDigests, Durability durability,
                   CompletableFuture<Void> committed) {

        static Pending of(RecordingSession session, List<AuditEvent> events, Durability durability) {
            return new Pending(session, List.copyOf(events), events.stream().map(EventHash::content).toList(), durability,
                    new CompletableFuture<>());
        }

        Pending failedOpen() {
            List<AuditEvent> late = events.stream().map(AuditEvent::withFailOpen).toList();
            return new Pending(session, late, late.stream().map(EventHash::content).toList(), durability, committed);
        }

        int weight() {
            int weight = 0;
            for (AuditEvent event : events) {
                weight += event.payload() == null ? 0 : event.payload().length();
            }
            return weight;
        }
    }

    private final Jdbi jdbi;
    private final WriterSettings settings;
    private final List<Lane> lanes = new ArrayList<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final ArrayDeque<Pending> spool = new ArrayDeque<>();
    private final Object spoolWriting = new Object();
    private volatile boolean available = true;
    private volatile boolean running = true;
    private volatile RuntimeException lastFailure;
    private final Timer commits;
    private final Counter committedEvents;

    /** @param jdbi a pool with at least {@link WriterSettings#lanes()} + 1 connections */
    public AuditWriter(Jdbi jdbi, WriterSettings settings) {
        this(jdbi, settings, new CompositeMeterRegistry());
    }

    /** As {@link #AuditWriter(Jdbi, WriterSettings)}, reporting its backlog and commits to {@code meters}. */
    public AuditWriter(Jdbi jdbi, WriterSettings settings, MeterRegistry meters) {
        this.jdbi = jdbi;
        this.settings = settings;
        for (int i = 0; i < settings.lanes(); i++) {
            lanes.add(new Lane(i));
        }
        Gauge.builder("gatehouse.audit.backlog", this, AuditWriter::backlog)
                .description("audit events waiting to be committed (spooled fail-open events included)")
                .baseUnit("events").register(meters);
        Gauge.builder("gatehouse.audit.available", this, w -> w.isAvailable() ? 1 : 0)
                .description("1 while PostgreSQL takes the audit writer's commits, 0 while calls are refused for it").register(meters);
        commits = Timer.builder("gatehouse.audit.commit")
                .description("one group commit: a batch of events written and durably committed")
                .publishPercentileHistogram().register(meters);
        committedEvents = Counter.builder("gatehouse.audit.committed")
                .description("audit events durably committed").baseUnit("events").register(meters);
    }

    /** One queue, thread and batch writer; every event of a session goes through the same lane. */
    private final class Lane {
        final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(Math.max(1, settings.queueCapacity() / settings.lanes()));
        final BatchWriter batches = new BatchWriter(jdbi);
        final Thread thread;

        Lane(int index) {
            thread = Thread.ofPlatform().name("gatehouse-audit-writer-" + index).daemon(true).start(() -> run(this));
        }
    }

    private Lane laneOf(String sessionId) {
        return lanes.get(Math.floorMod(sessionId.hashCode(), lanes.size()));
    }

    /**
     * Queues an event; the future completes when it is committed (or, for a fail-open event while
     * PostgreSQL is down, once it is spooled). Never blocks longer than the offer timeout.
     */
    public CompletableFuture<Void> append(RecordingSession session, AuditEvent event, Durability durability) {
        return append(session, List.of(event), durability);
    }

    /**
     * Queues events of one session that are committed together, in this order, in one batch (a
     * decision and the request it decided are never split over two commits).
     */
    public CompletableFuture<Void> append(RecordingSession session, List<AuditEvent> events, Durability durability) {
        if (!running) {
            return CompletableFuture.failedFuture(new AuditUnavailableException("the audit writer has stopped", null));
        }
        if (events.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Pending pending = Pending.of(session, events, durability);
        if (!available) {
            return whileDown(pending);
        }
        long bytes = queuedBytes.addAndGet(pending.weight());
        try {
            if (bytes > settings.maxQueuedBytes() && bytes != pending.weight()) {
                throw backlogFull();
            }
            if (!laneOf(session.id()).queue.offer(pending, settings.offerTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw backlogFull();
            }
        } catch (AuditBacklogFullException e) {
            queuedBytes.addAndGet(-pending.weight());
            return CompletableFuture.failedFuture(e);
        } catch (InterruptedException e) {
            queuedBytes.addAndGet(-pending.weight());
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new AuditUnavailableException("interrupted while queueing an audit event", e));
        }
        return pending.committed();
    }

    /** True while PostgreSQL takes the writer's commits. */
    public boolean isAvailable() {
        return available;
    }

    /** Events waiting to be written, spooled ones included. */
    public int backlog() {
        int queued = lanes.stream().mapToInt(lane -> lane.queue.size()).sum();
        synchronized (spool) {
            return queued + spool.size();
        }
    }

    private AuditBacklogFullException backlogFull() {
        return new AuditBacklogFullException("the audit log is behind (" + backlog() + " events, "
                + queuedBytes.get() / 1024 + " KiB waiting); PostgreSQL is not keeping up, retry shortly");
    }

    private CompletableFuture<Void> whileDown(Pending pending) {
        if (pending.durability() == Durability.FAIL_OPEN && spool(pending.failedOpen())) {
            return pending.committed();
        }
        return CompletableFuture.failedFuture(unavailable());
    }

    private AuditUnavailableException unavailable() {
        RuntimeException cause = lastFailure;
        return new AuditUnavailableException("the audit store (PostgreSQL) is unavailable"
                + (cause == null ? "" : ": " + rootMessage(cause))
                + "; calls are refused until it is back, since nothing may pass unrecorded", cause);
    }

    /** Completes the pending's future at once: the event will be written late, marked fail-open. */
    private boolean spool(Pending pending) {
        synchronized (spool) {
            if (spool.size() >= settings.spoolCapacity()) {
                return false;
            }
            spool.add(pending);
        }
        pending.committed().complete(null);
        return true;
    }

    private void run(Lane lane) {
        BlockingQueue<Pending> queue = lane.queue;
        List<Pending> batch = new ArrayList<>(settings.maxBatch());
        while (running || !queue.isEmpty()) {
            try {
                if (!available) {
                    failOrSpoolQueued(queue);
                    if (!probe()) {
                        Thread.sleep(settings.probeInterval().toMillis());
                        continue;
                    }
                    writeSpool(lane.batches);
                    continue;
                }
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, settings.maxBatch() - 1);
                long bytes = 0;
                for (Pending p : batch) {
                    bytes += p.weight();
                }
                queuedBytes.addAndGet(-bytes);
                write(lane.batches, batch);
                batch.clear();
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (RuntimeException e) {
                log.error("the audit writer failed unexpectedly; failing its batch", e);
                batch.forEach(p -> p.committed().completeExceptionally(e));
                batch.clear();
            }
        }
        queue.forEach(p -> p.committed().completeExceptionally(new AuditUnavailableException("the audit writer has stopped", null)));
    }

    private void write(BatchWriter batches, List<Pending> batch) {
        try {
            long started = System.nanoTime();
            batches.write(batch);
            commits.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            committedEvents.increment(batch.stream().mapToInt(p -> p.events().size()).sum());
            batch.forEach(p -> p.committed().complete(null));
        } catch (RuntimeException e) {
            if (isUnavailable(e)) {
                markDown(e);
                batch.forEach(p -> {
                    if (p.durability() != Durability.FAIL_OPEN || !spool(p.failedOpen())) {
                        p.committed().completeExceptionally(unavailable());
                    }
                });
            } else if (batch.size() > 1) {
                // One bad event must not cost the others their record: write each alone to find it.
                for (Pending p : batch) {
                    write(batches, List.of(p));
                }
            } else {
                Pending p = batch.getFirst();
                log.error("PostgreSQL refused audit events of session {} ({} {}): {}", p.session().id(),
                        p.events().getFirst().kind().dbName(), p.events().getFirst().method(), rootMessage(e));
                p.committed().completeExceptionally(new AuditRejectedException(
                        "the audit store refused the event: " + rootMessage(e), e));
            }
        }
    }

    private void markDown(RuntimeException e) {
        lastFailure = e;
        if (available) {
            available = false;
            log.error("the audit store is unavailable; calls through fail-closed upstreams are refused until it is back: {}",
                    rootMessage(e));
        }
    }

    private void failOrSpoolQueued(BlockingQueue<Pending> queue) {
        List<Pending> queued = new ArrayList<>();
        queue.drainTo(queued);
        long bytes = 0;
        for (Pending p : queued) {
            bytes += p.weight();
            if (p.durability() != Durability.FAIL_OPEN || !spool(p.failedOpen())) {
                p.committed().completeExceptionally(unavailable());
            }
        }
        queuedBytes.addAndGet(-bytes);
    }

    private boolean probe() {
        try {
            jdbi.useHandle(h -> h.createQuery("select 1").mapTo(Integer.class).one());
            return true;
        } catch (RuntimeException e) {
            lastFailure = e;
            return false;
        }
    }

    /**
     * Writes what fail-open upstreams recorded while PostgreSQL was down, oldest first, then reopens.
     * One lane at a time: spooled events of one session must go in their order.
     */
    private void writeSpool(BatchWriter batches) {
        synchronized (spoolWriting) {
            if (!available) {
                drainSpool(batches);
            }
        }
    }

    private void drainSpool(BatchWriter batches) {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            synchronized (spool) {
                while (!spool.isEmpty() && batch.size() < settings.maxBatch()) {
                    batch.add(spool.peekFirst());
                    spool.removeFirst();
                }
            }
            if (batch.isEmpty()) {
                break;
            }
            try {
                batches.write(batch);
            } catch (RuntimeException e) {
                synchronized (spool) {
                    for (int i = batch.size() - 1; i >= 0; i--) {
                        spool.addFirst(batch.get(i));
                    }
                }
                if (isUnavailable(e)) {
                    lastFailure = e;
                    return;
                }
                log.error("PostgreSQL refused spooled audit events; they stay in memory: {}", rootMessage(e));
                return;
            }
        }
        available = true;
        lastFailure = null;
        log.info("the audit store is available again");
    }

    static boolean isUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectionException || t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exceptions; 57P: admin shutdown / cannot connect now; 53: out of disk, memory, connections.
                if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** Stops taking events, writes what is queued, and stops the writer thread. */
    @Override
    public void close() {
        running = false;
        try {
            for (Lane lane : lanes) {
                lane.thread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (spool) {
            if (!spool.isEmpty()) {
                log.error("{} fail-open audit events could not be written before shutdown", spool.size());
            }
        }
    }
}
