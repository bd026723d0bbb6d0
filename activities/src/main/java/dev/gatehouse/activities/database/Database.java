package dev.gatehouse.activities.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The broker's PostgreSQL database: a connection pool, migrated to the current schema with
 * Flyway on open. Thread-safe; close it once at shutdown.
 */
public final class Database implements AutoCloseable {

    /** How long the audit writer waits for a connection: an outage must turn into clear refusals quickly. */
    private static final long WRITER_CONNECT_TIMEOUT_MS = 1_000;
    private static final int WRITER_CONNECTIONS = 6;

    private final HikariDataSource dataSource;
    private final HikariDataSource writerDataSource;
    private final Jdbi jdbi;
    private final Jdbi writerJdbi;
    private final DatabaseSettings settings;

    private Database(DatabaseSettings settings, HikariDataSource dataSource, HikariDataSource writerDataSource) {
        this.settings = settings;
        this.dataSource = dataSource;
        this.writerDataSource = writerDataSource;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
        this.writerJdbi = Jdbi.create(writerDataSource).installPlugin(new PostgresPlugin());
    }

    /** Connects, migrates the schema and returns the open database; fails fast if either step fails. */
    public static Database open(DatabaseSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(settings.maxPoolSize());
        config.setPoolName("gatehouse");
        // Fail at start-up, not at the first request, when the database is unreachable.
        config.setInitializationFailTimeout(settings.connectTimeout().toMillis());
        config.setConnectionTimeout(settings.connectTimeout().toMillis());
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new DatabaseUnavailableException("cannot connect to PostgreSQL at " + settings.jdbcUrl(), e);
        }
        try {
            migrate(dataSource);
        } catch (RuntimeException e) {
            dataSource.close();
            throw new DatabaseUnavailableException("cannot migrate the schema at " + settings.jdbcUrl(), e);
        }
        HikariConfig writer = new HikariConfig();
        writer.setJdbcUrl(settings.jdbcUrl());
        writer.setUsername(settings.user());
        writer.setPassword(settings.password());
        // One connection per audit writer lane (WriterSettings.lanes) and one for its probe.
        writer.setMaximumPoolSize(WRITER_CONNECTIONS);
        writer.setPoolName("gatehouse-audit-writer");
        // The writer's statements take arrays of whatever length a batch has; planning each call for them
        // (custom plans) costs more than running it, and their generic plans are what every call wants.
        writer.setConnectionInitSql("set plan_cache_mode = force_generic_plan");
        writer.setInitializationFailTimeout(-1);
        writer.setConnectionTimeout(WRITER_CONNECT_TIMEOUT_MS);
        return new Database(settings, dataSource, new HikariDataSource(writer));
    }

    private static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * A small pool of its own for the audit writer: its commits never queue behind API queries, and
     * it gives up on a connection within a second, so an outage is reported at once.
     */
    public Jdbi writerJdbi() {
        return writerJdbi;
    }

    /**
     * A connection of its own, outside both pools, for a session that lives as long as the broker
     * (LISTEN): held in a pool it would take a slot from every request. The caller closes it.
     */
    public Connection connectOutsidePool() throws SQLException {
        Properties props = new Properties();
        if (settings.user() != null) {
            props.setProperty("user", settings.user());
        }
        if (settings.password() != null) {
            props.setProperty("password", settings.password());
        }
        props.setProperty("connectTimeout", Long.toString(Math.max(1, settings.connectTimeout().toSeconds())));
        // A long-lived connection that a failover or a NAT drops half-open must be noticed by the OS too.
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(settings.jdbcUrl(), props);
    }

    /** True when a connection can be had and answers a trivial query. */
    public boolean isReachable() {
        try {
            return jdbi.withHandle(h -> h.createQuery("select 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        writerDataSource.close();
        dataSource.close();
    }
}
