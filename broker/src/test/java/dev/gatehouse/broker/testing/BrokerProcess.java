package dev.gatehouse.broker.testing;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code gatehouse serve --config FILE} in a JVM of its own, as production runs it: started, stopped
 * (SIGTERM) or killed (SIGKILL) by the test, its output in a log file.
 */
public final class BrokerProcess implements AutoCloseable {

    /** What {@code serve} prints once it accepts requests. */
    private static final String READY = "Gatehouse is ready on ";

    /** Quick to start on a small CI machine: C1 only and one GC thread, since a test broker never runs long. */
    static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final ChildJvm jvm;
    private final URI url;

    private BrokerProcess(ChildJvm jvm, URI url) {
        this.jvm = jvm;
        this.url = url;
    }

    /**
     * Starts the broker and returns once it says it is ready; fails with the log's tail if it does not.
     *
     * @param classpath the broker's classpath, e.g. {@link ChildJvm#snapshotClasspath}
     */
    public static BrokerProcess serve(String classpath, Path config, Path log, Duration timeout) {
        ChildJvm jvm = ChildJvm.start("broker", classpath, JVM_OPTIONS, "dev.gatehouse.broker.Gatehouse",
                List.of("serve", "--config", config.toString()), log, line -> line.contains(READY));
        try {
            String ready = jvm.awaitUp(timeout);
            // "Gatehouse is ready on http://127.0.0.1:8080 (port 8080)"
            String rest = ready.substring(ready.indexOf(READY) + READY.length());
            return new BrokerProcess(jvm, URI.create(rest.substring(0, rest.indexOf(' '))));
        } catch (RuntimeException e) {
            jvm.kill();
            throw e;
        }
    }

    /** The public URL the broker announced. */
    public URI url() {
        return url;
    }

    /** The process id, for a thread dump ({@code jcmd <pid> Thread.print}) when a test hangs. */
    public long pid() {
        return jvm.pid();
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    public Path log() {
        return jvm.log();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or closed, connections drop mid-stream. */
    public void kill() {
        jvm.kill();
    }

    /** SIGTERM: the broker's orderly shutdown. */
    @Override
    public void close() {
        jvm.stop(Duration.ofSeconds(30));
    }
}
