package dev.gatehouse.broker.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * A JVM started with this test JVM's own JDK and classpath, its stdout and stderr copied line by line
 * to a log file (kept for diagnosis) and watched for a line that says it is up. A JVM shutdown hook
 * kills it should the test JVM end without closing it, so a failed run never leaks processes.
 * Thread-safe.
 */
public final class ChildJvm implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;
    private final Thread safetyNet;
    private final Thread pump;
    private final CompletableFuture<String> upLine = new CompletableFuture<>();

    private ChildJvm(String name, Process process, Path log, Predicate<String> up) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.safetyNet = new Thread(process::destroyForcibly, "kill-" + name);
        Runtime.getRuntime().addShutdownHook(safetyNet);
        this.pump = Thread.ofPlatform().daemon().name("log-" + name).start(() -> pump(up));
    }

    /**
     * Starts {@code mainClass} with {@code args}; {@code up} recognises the line the child prints once
     * it accepts requests (see {@link #awaitUp}).
     */
    public static ChildJvm start(String name, String classpath, List<String> jvmOptions, String mainClass, List<String> args,
                                 Path log, Predicate<String> up) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException(
                "cannot tell which java runs this JVM")));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        return start(name, command, command.size() - args.size() - 1, Map.of(), log, up);
    }

    /**
     * Starts a JVM by a command line of the caller's, e.g. one run inside a container image's file system;
     * {@code environment} replaces this JVM's.
     */
    public static ChildJvm startCommand(String name, List<String> command, Map<String, String> environment, Path log,
                                        Predicate<String> up) {
        return start(name, List.copyOf(command), 0, environment, log, up);
    }

    private static ChildJvm start(String name, List<String> command, int shownFrom, Map<String, String> environment, Path log,
                                  Predicate<String> up) {
        try {
            Files.writeString(log, "$ " + String.join(" ", command.subList(shownFrom, command.size()))
                    + "\n", StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (!environment.isEmpty()) {
                builder.environment().clear();
                builder.environment().putAll(environment);
            }
            return new ChildJvm(name, builder.start(), log, up);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /**
     * This test JVM's classpath with the project's own classes copied under {@code dir}: a rebuild while the
     * tests run (another terminal's {@code mvn install}) then cannot pull classes from under a child that
     * loads them lazily. Libraries are used where they are. Under surefire, the classpath is a manifest-only
     * booter jar, whose {@code Class-Path} is followed.
     */
    public static String snapshotClasspath(Path dir) {
        try {
            List<Path> entries = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                entries.addAll(expand(Path.of(entry)));
            }
            deleteTree(dir);
            Files.createDirectories(dir);
            List<String> classpath = new ArrayList<>();
            for (Path entry : entries) {
                boolean ours = entry.toString().contains(File.separator + "gatehouse") || Files.isDirectory(entry);
                if (!ours || !Files.exists(entry)) {
                    classpath.add(entry.toString());
                    continue;
                }
                Path copy = dir.resolve(classpath.size() + "-" + entry.getFileName());
                copyTree(entry, copy);
                classpath.add(copy.toAbsolutePath().toString());
            }
            return String.join(File.pathSeparator, classpath);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the test classpath to " + dir, e);
        }
    }

    private static List<Path> expand(Path entry) throws IOException {
        if (!entry.getFileName().toString().startsWith("surefirebooter") || !Files.isRegularFile(entry)) {
            return List.of(entry);
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            String classPath = jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            List<Path> entries = new ArrayList<>();
            for (String url : classPath.trim().split("\\s+")) {
                entries.add(Path.of(entry.getParent().toUri().resolve(url)));
            }
            return entries;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(file);
            }
        }
    }

    private void pump(Predicate<String> up) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            String line;
            while ((line = lines.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                if (!upLine.isDone() && up.test(line)) {
                    upLine.complete(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // The child died mid-line (SIGKILL): the log holds what came before.
        }
        // Its output has ended, so it has exited (or is about to): if it never said it was up, it never will.
        process.onExit().thenRun(() -> upLine.completeExceptionally(new IllegalStateException(
                name + " exited with status " + process.exitValue() + " before it was up; see " + log + ":\n" + tail())));
    }

    /** Waits for the line that says the child is up, and returns it. */
    public String awaitUp(Duration timeout) {
        try {
            return upLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(name + " did not say it was up within " + timeout + "; see " + log + ":\n" + tail());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** SIGKILL: the child gets no chance to clean up, as after a crash or an OOM kill. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM, then SIGKILL if it has not stopped within {@code grace}. */
    public void stop(Duration grace) {
        // Through the handle: Process.destroy() also closes our end of the child's stdout, and whatever the
        // child says while it shuts down would be lost.
        process.toHandle().destroy();
        if (!awaitExit(grace)) {
            kill();
        }
    }

    private boolean awaitExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                removeSafetyNet();
                // Its last words (how it stopped) belong in the log before the test JVM moves on or exits.
                pump.join(Duration.ofSeconds(5));
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }

    private void removeSafetyNet() {
        try {
            Runtime.getRuntime().removeShutdownHook(safetyNet);
        } catch (IllegalStateException e) {
            // The JVM is shutting down already, and the hook is running or has run.
        }
    }

    /** The last lines of the log, for failure messages. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(20));
    }
}
