package dev.gatehouse.broker.testing;

import dev.gatehouse.broker.dev.FreePort;

import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Temporal's test server ({@code io.temporal.testserver.TestServer}, in memory, real time) in a JVM of
 * its own on a free loopback port: a Temporal "cluster" that outlives the broker processes a test
 * starts and kills. Its state lives only as long as its process.
 */
public final class TemporalServerProcess implements AutoCloseable {

    private final ChildJvm jvm;
    private final int port;

    private TemporalServerProcess(ChildJvm jvm, int port) {
        this.jvm = jvm;
        this.port = port;
    }

    /** Starts the server and returns once its frontend answers a health check. */
    public static TemporalServerProcess start(String classpath, Path log, Duration timeout) {
        int port = FreePort.pick();
        // The test server prints nothing when it is up: the health check below is the readiness signal.
        ChildJvm jvm = ChildJvm.start("temporal", classpath, BrokerProcess.JVM_OPTIONS, "io.temporal.testserver.TestServer",
                List.of(String.valueOf(port)), log, line -> false);
        TemporalServerProcess server = new TemporalServerProcess(jvm, port);
        try {
            server.awaitServing(timeout);
            return server;
        } catch (RuntimeException e) {
            jvm.kill();
            throw e;
        }
    }

    private void awaitServing(Duration timeout) {
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
                .setTarget(target())
                .setRpcTimeout(Duration.ofSeconds(2))
                .build());
        try {
            Instant deadline = Instant.now().plus(timeout);
            RuntimeException last = null;
            while (Instant.now().isBefore(deadline)) {
                if (!jvm.isAlive()) {
                    throw new IllegalStateException("the Temporal test server exited; see " + jvm.log() + ":\n" + jvm.tail());
                }
                try {
                    if (stubs.healthCheck().getStatus().name().equals("SERVING")) {
                        return;
                    }
                } catch (RuntimeException e) {
                    last = e;
                }
                Poll.pause();
            }
            throw new IllegalStateException("the Temporal test server on " + target() + " did not answer within " + timeout
                    + " (" + last + "); see " + jvm.log() + ":\n" + jvm.tail(), last);
        } finally {
            stubs.shutdownNow();
        }
    }

    /** {@code host:port}, as {@code temporal.target} takes it. */
    public String target() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        jvm.stop(Duration.ofSeconds(10));
    }
}
