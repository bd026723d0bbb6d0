package dev.gatehouse.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A broker or an agent as production runs it, {@code gatehouse serve|agent --config FILE} in a JVM of its own (this
 * JVM's java and classpath), its output copied to a log file. Its CPU time is read from the OS, so a run can say which process
 * spent the machine. A shutdown hook kills it should this JVM end without closing it.
 */
final class GatehouseProcess implements AutoCloseable {

    /** The Temporal payload key of the benchmarks' brokers and agents, which must share one; any fixed key will do. */
    static final String PAYLOAD_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private static final String SERVE_READY = "Gatehouse is ready on ";
    private static final String AGENT_READY = "Gatehouse agent is ready";

    private final String name;
    private final Process process;
    private final Path log;
    private final String readyLine;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Thread safetyNet;

    private GatehouseProcess(String name, Process process, Path log, String readyLine) {
        this.name = name;
        this.readyLine = readyLine;
        this.process = process;
        this.log = log;
        this.safetyNet = new Thread(process::destroyForcibly, "kill-" + name);
        Runtime.getRuntime().addShutdownHook(safetyNet);
        Thread.ofPlatform().daemon().name("log-" + name).start(this::pump);
    }

    /** Starts {@code gatehouse serve}; {@link #awaitReady} waits for it. */
    static GatehouseProcess start(String name, Path config, List<String> jvmOptions, Path log) {
        return start(name, "serve", config, jvmOptions, log, SERVE_READY);
    }

    /** Starts {@code gatehouse agent}; {@link #awaitReady} waits for it. */
    static GatehouseProcess agent(String name, Path config, List<String> jvmOptions, Path log) {
        return start(name, "agent", config, jvmOptions, log, AGENT_READY);
    }

    private static GatehouseProcess start(String name, String mode, Path config, List<String> jvmOptions, Path log, String readyLine) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("no java command")));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.gatehouse.broker.Gatehouse",
                mode, "--config", config.toString()));
        try {
            return new GatehouseProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start(), log, readyLine);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + mode + " " + name, e);
        }
    }

    void awaitReady(Duration timeout) throws InterruptedException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("broker " + name + " was not ready within " + timeout + "; see " + log);
        } catch (ExecutionException e) {
            throw new IllegalStateException("broker " + name + " exited before it was ready; see " + log, e.getCause());
        }
    }

    /** CPU time the broker's JVM has used so far, user and system, all threads. */
    Duration cpu() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    Path log() {
        return log;
    }

    private void pump() {
        try (BufferedReader lines = process.inputReader(StandardCharsets.UTF_8);
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                if (line.contains(readyLine)) {
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            // The broker is gone; the log holds what it said.
        }
        ready.completeExceptionally(new IllegalStateException("broker " + name + " ended its output"));
    }

    /** SIGTERM, the broker's orderly shutdown, then SIGKILL after 30 s. */
    @Override
    public void close() {
        process.toHandle().destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(safetyNet);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs
            }
        }
    }
}
