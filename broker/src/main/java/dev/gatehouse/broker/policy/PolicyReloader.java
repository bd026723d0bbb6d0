package dev.gatehouse.broker.policy;

import dev.gatehouse.broker.config.ConfigException;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

/**
 * Watches the configuration file and swaps in its policies when it changes. A valid change takes
 * effect at once and whole; an invalid one is reported with its problems and the running policy
 * stays. Other sections (upstreams, identity, storage) take effect at the next start, and the
 * reloader says so. Watches the directory, so editors that replace the file by renaming are seen.
 */
public final class PolicyReloader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PolicyReloader.class);

    /** Editors write in several steps; wait for the burst of events to settle before reading. */
    private static final long SETTLE_MILLIS = 200;

    private final Path file;
    private final ConfigLoader loader;
    private final PolicyHolder holder;
    private final WatchService watcher;
    private final Thread thread;
    /** What the broker started with: only policies change on a reload, everything else stays until the next start. */
    private final GatehouseConfig running;
    private volatile String loadedHash;
    private final java.util.concurrent.atomic.AtomicReference<Reload> last = new java.util.concurrent.atomic.AtomicReference<>();

    /** The outcome of the latest reload attempt: what an operator (or a test) checks after editing the file. */
    public record Reload(int attempt, boolean applied, String detail) {
    }

    private PolicyReloader(Path file, ConfigLoader loader, PolicyHolder holder, GatehouseConfig running) throws IOException {
        this.file = file.toAbsolutePath();
        this.loader = loader;
        this.holder = holder;
        this.running = running;
        this.watcher = this.file.getFileSystem().newWatchService();
        // A rename onto the file (how many editors save) arrives as ENTRY_CREATE.
        this.file.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        this.loadedHash = contentHash();
        this.thread = Thread.ofPlatform().daemon().name("policy-reloader").unstarted(this::watch);
    }

    /** Starts watching {@code file}; {@code running} is the configuration the broker started with. */
    public static PolicyReloader watch(Path file, ConfigLoader loader, PolicyHolder holder, GatehouseConfig running) {
        try {
            PolicyReloader reloader = new PolicyReloader(file, loader, holder, running);
            reloader.thread.start();
            return reloader;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + file + " for changes", e);
        }
    }

    /**
     * Any event in the directory counts, not only ones naming the file: a Kubernetes ConfigMap update
     * swaps a {@code ..data} symlink and never names {@code gatehouse.yaml}, and an overflow names
     * nothing. What decides is whether the file's content changed since the last load.
     */
    private void watch() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                key.pollEvents();
                if (!key.reset()) {
                    log.error("{}: its directory can no longer be watched; policy reloading has stopped", file);
                    return;
                }
                settle();
                try {
                    reloadIfChanged();
                } catch (RuntimeException e) {
                    // Whatever goes wrong with one reload, the watcher must live on for the next edit.
                    log.error("{}: reloading failed; the running policy stays", file, e);
                    record(false, e.toString());
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: the broker is stopping
        }
    }

    /** Reloads when the content differs from the last load and reads the same twice (not mid-write). */
    private void reloadIfChanged() throws InterruptedException {
        String first = contentHash();
        if (first == null || first.equals(loadedHash)) {
            return;
        }
        Thread.sleep(SETTLE_MILLIS);
        String second = contentHash();
        if (!first.equals(second)) {
            return; // still being written; the next event brings us back
        }
        loadedHash = second;
        reload();
    }

    private String contentHash() {
        try {
            byte[] bytes = java.nio.file.Files.readAllBytes(file);
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (IOException e) {
            return null; // briefly missing while an editor or kubelet swaps it in
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void settle() throws InterruptedException {
        WatchKey more;
        while ((more = watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
            more.pollEvents();
            more.reset();
        }
    }

    private void reload() {
        GatehouseConfig next;
        GatehouseConfig applied;
        try {
            next = loader.load(file);
            applied = loader.fitPolicies(file, next, running);
        } catch (ConfigException e) {
            log.error("{} changed but is invalid; the running policy ({}) stays:\n{}", file, holder.current().version(), e.getMessage());
            record(false, e.getMessage());
            return;
        }
        PolicySet policies = PolicySet.compile(applied.policies());
        String before = holder.current().version();
        holder.replace(policies);
        log.info("{} reloaded: policy {} -> {} ({} rules)", file, before, policies.version(), policies.size());
        record(true, "policy " + policies.version());
        if (!next.withPoliciesOf(running).equals(running)) {
            log.warn("{}: changes outside policies (upstreams, approvers, masking, identity, server, storage…) take effect at"
                    + " the next start", file);
        }
    }

    private void record(boolean applied, String detail) {
        last.updateAndGet(previous -> new Reload(previous == null ? 1 : previous.attempt() + 1, applied, detail));
    }

    public java.util.Optional<Reload> lastReload() {
        return java.util.Optional.ofNullable(last.get());
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            // stopping anyway
        }
        thread.interrupt();
    }
}
