package dev.gatehouse.broker.dev;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The dev stack's PostgreSQL: zonky's embedded server on a fixed port and data directory, so it
 * can be stopped and started again with its data — which is how tests (and demos) show that the
 * broker refuses calls while its audit store is down and recovers without a restart.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private final int port;
    private final Path dataDirectory;
    private EmbeddedPostgres server;

    private EmbeddedDatabase(int port, Path dataDirectory) {
        this.port = port;
        this.dataDirectory = dataDirectory;
    }

    public static EmbeddedDatabase start() {
        try {
            EmbeddedDatabase db = new EmbeddedDatabase(FreePort.pick(), Files.createTempDirectory("gatehouse-pg"));
            db.startServer();
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    }

    /** Stops the server, keeping its data; connections fail until {@link #restart()}. */
    public synchronized void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot stop embedded PostgreSQL: " + e.getMessage(), e);
            } finally {
                server = null;
            }
        }
    }

    /** Starts the server again on the same port with the same data. */
    public synchronized void restart() {
        if (server == null) {
            startServer();
        }
    }

    private void startServer() {
        try {
            server = EmbeddedPostgres.builder()
                    // zonky starts PostgreSQL with fsync off (-F) and synchronous_commit off; "committed" must
                    // mean on disk, even in dev, or tests and benchmarks of durability prove nothing.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setPort(port)
                    .setDataDirectory(dataDirectory)
                    // Never let zonky delete the data on stop (a restart must find it); close() removes it.
                    .setCleanDataDirectory(false)
                    // The dev stack stops PostgreSQL itself, last: zonky's own hook would stop it at the same time as
                    // the broker's, under the audit writer's final commits and the dev-mode abandonment of approvals.
                    .setRegisterShutdownHook(false)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        stop();
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
