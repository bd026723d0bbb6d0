package dev.gatehouse.bench;

import dev.gatehouse.broker.dev.FreePort;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Temporal's in-memory test server in a JVM of its own, so that its state, its threads (one per
 * long poll) and its history of every held call stay out of the broker's heap and thread figures.
 */
final class TemporalServerProcess implements AutoCloseable {

    private final Process process;
    private final String target;

    private TemporalServerProcess(Process process, String target) {
        this.process = process;
        this.target = target;
    }

    static TemporalServerProcess start(String heap) throws IOException, InterruptedException {
        int port = FreePort.pick();
        String java = ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("no java command"));
        Path log = Files.createTempFile("bench-temporal", ".log");
        Process process = new ProcessBuilder(List.of(java, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
                "io.temporal.testserver.TestServer", Integer.toString(port)))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!accepts(port)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Temporal test server exited with " + process.exitValue() + "; see " + log);
            }
            if (Instant.now().isAfter(deadline)) {
                process.destroyForcibly();
                throw new IllegalStateException("the Temporal test server did not listen on " + port + " within 60 s; see " + log);
            }
            Thread.sleep(100);
        }
        return new TemporalServerProcess(process, "127.0.0.1:" + port);
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String target() {
        return target;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
