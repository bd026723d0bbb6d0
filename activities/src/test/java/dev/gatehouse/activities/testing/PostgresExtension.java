package dev.gatehouse.activities.testing;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real PostgreSQL for tests: one embedded server per test run (with {@code synchronous_commit=on},
 * so "committed" means durable as in production), and a fresh, migrated database for every test
 * that asks for a {@link Database} parameter, closed after the test.
 */
public final class PostgresExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

    /** The server, shared by every test of the run and stopped at its end. */
    static final class Server implements AutoCloseable {
        private final EmbeddedPostgres postgres;
        private final AtomicInteger databases = new AtomicInteger();

        Server() {
            try {
                postgres = EmbeddedPostgres.builder().setServerConfig("synchronous_commit", "on").start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
        }

        String createDatabase() {
            String name = "test_" + databases.incrementAndGet();
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("create database " + name);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create database " + name, e);
            }
            return postgres.getJdbcUrl("postgres", name);
        }

        @Override
        public void close() throws IOException {
            postgres.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Database.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Server server = context.getRoot().getStore(NAMESPACE).computeIfAbsent(Server.class, k -> new Server(), Server.class);
        Database database = Database.open(new DatabaseSettings(server.createDatabase(), "postgres", "", 8, Duration.ofSeconds(10)));
        context.getStore(NAMESPACE).put(database, (AutoCloseable) database::close);
        return database;
    }
}
