package dev.gatehouse.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The parent's handle on a {@link HeldCallLoad} child JVM: started with this JVM's java and classpath,
 * commanded over its stdin, answered on its stdout (lines that are not replies are copied to stderr),
 * its stderr shared with ours. A shutdown hook kills it should this JVM end without closing it.
 * Not thread-safe: one command at a time.
 */
final class LoadProcess implements AutoCloseable {

    /** One reply: its kind ({@code opened}, {@code approved}...) and its {@code key=value} fields; {@code error} is the rest of the line. */
    record Reply(String kind, Map<String, String> fields) {

        String get(String key) {
            String value = fields.get(key);
            if (value == null) {
                throw new IllegalStateException("the load generator's '" + kind + "' reply has no " + key + ": " + fields);
            }
            return value;
        }

        int integer(String key) {
            return Integer.parseInt(get(key));
        }

        double decimal(String key) {
            return Double.parseDouble(get(key));
        }

        /** The error the child reported, or null for {@code -}. */
        String error() {
            String error = fields.getOrDefault("error", "-");
            return error.equals("-") ? null : error;
        }
    }

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final Thread safetyNet;

    private LoadProcess(Process process) {
        this.process = process;
        this.stdin = process.outputWriter(StandardCharsets.UTF_8);
        this.safetyNet = new Thread(process::destroyForcibly, "kill-gated-load");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        Thread.ofPlatform().daemon().name("gated-load-stdout").start(this::pump);
    }

    static LoadProcess start(List<String> jvmOptions, List<String> args, Map<String, String> environment) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException(
                "cannot tell which java runs this JVM")));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(HeldCallLoad.class.getName());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        try {
            return new LoadProcess(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the load generator JVM", e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the next reply; fails if none comes within {@code timeout} or the child is gone. */
    Reply await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = replies.poll(Math.min(1_000_000_000L, Math.max(0, deadline - System.nanoTime())), TimeUnit.NANOSECONDS);
            if (line != null) {
                return parse(line.substring(HeldCallLoad.REPLY.length()));
            }
            if (!process.isAlive() && replies.isEmpty()) {
                throw new IllegalStateException("the load generator JVM exited with status " + process.exitValue()
                        + " (its output is above, on stderr)");
            }
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("the load generator gave no answer within " + timeout.toSeconds() + " s");
            }
        }
    }

    /** Sends {@code command} and waits for its reply; a reply of kind {@code error} fails. */
    Reply command(String command, Duration timeout) throws InterruptedException {
        try {
            stdin.write(command + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot command the load generator (" + command + ")", e);
        }
        Reply reply = await(timeout);
        if (reply.kind().equals("error")) {
            throw new IllegalStateException("the load generator failed '" + command + "': " + reply.fields().get("error"));
        }
        return reply;
    }

    private static Reply parse(String text) {
        int space = text.indexOf(' ');
        String kind = space < 0 ? text : text.substring(0, space);
        String rest = space < 0 ? "" : text.substring(space + 1);
        Map<String, String> fields = new LinkedHashMap<>();
        if (kind.equals("error")) {
            fields.put("error", rest);
            return new Reply(kind, fields);
        }
        int error = rest.indexOf("error=");
        if (error >= 0) {
            fields.put("error", rest.substring(error + "error=".length()));
            rest = rest.substring(0, error);
        }
        for (String pair : rest.trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                fields.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return new Reply(kind, fields);
    }

    private void pump() {
        try (BufferedReader out = process.inputReader(StandardCharsets.UTF_8)) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(HeldCallLoad.REPLY)) {
                    replies.add(line);
                } else {
                    System.err.println("[gated-load] " + line);
                }
            }
        } catch (IOException e) {
            System.err.println("[gated-load] stdout lost: " + e);
        }
    }

    /** Asks the child to quit (closing its connections) and waits up to 30 s, then kills it. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                try {
                    stdin.write("quit\n");
                    stdin.flush();
                } catch (IOException ignored) {
                    // it is going anyway
                }
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    System.err.println("the load generator did not quit within 30 s; killing it");
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
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

    /** The child's exit status once it has ended. */
    int exitValue() {
        return process.exitValue();
    }
}
