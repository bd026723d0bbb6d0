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
 * A broker as production runs it, {@code gatehouse serve --config FILE} in a JVM of its own (this JVM's java and
 * classpath), its output copied to a log file. Its CPU time is read from the OS, so a run can say which process
 * spent the machine. A shutdown hook kills it should this JVM end without closing it.
 */
final class ServeProcess implements AutoCloseable {

    private static final String READY = "Gatehouse is ready on ";

    private final String name;
    private final Process process;
    private final Path log;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Thread safetyNet;

    private ServeProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.safetyNet = new Thread(process::destroyForcibly, "kill-" + name);
        Runtime.getRuntime().addShutdownHook(safetyNet);
        Thread.ofPlatform().daemon().name("log-" + name).start(this::pump);
    }

    /** Starts the broker; {@link #awaitReady} waits for it. */
    static ServeProcess start(String name, Path config, List<String> jvmOptions, Path log) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("no java command")));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.gatehouse.broker.Gatehouse",
                "serve", "--config", config.toString()));
        try {
            return new ServeProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start broker " + name, e);
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
                if (line.contains(READY)) {
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
