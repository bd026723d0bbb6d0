package dev.gatehouse.broker;

import dev.gatehouse.activities.audit.AuditQueries;
import dev.gatehouse.activities.audit.ChainCheck;
import dev.gatehouse.activities.audit.ChainVerifier;
import dev.gatehouse.activities.audit.SessionSummary;
import dev.gatehouse.broker.config.ConfigException;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.StorageSettings;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.postgres.PostgresPlugin;

import java.io.PrintStream;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code gatehouse verify} and {@code gatehouse replay}: read-only tools for operators and
 * auditors, straight against the audit store. They never migrate or write the schema (a plain
 * connection, not the broker's pool), so pointing one at production changes nothing.
 */
final class AuditCommands {

    private AuditCommands() {
    }

    /** A usage or connection problem: exit 2, with a message saying what to fix. */
    private static final class Unusable extends RuntimeException {
        Unusable(String message) {
            super(message);
        }
    }

    static int verify(CommandLine.Verify command, ConfigLoader loader, Function<String, String> env, PrintStream out, PrintStream err) {
        try {
            Target target = connect(command.target(), loader, env);
            ChainVerifier verifier = new ChainVerifier(target.jdbi());
            ChainCheck check = guarded(target, () -> command.session().map(verifier::verify).orElseGet(verifier::verifyAll));
            return switch (check) {
                case ChainCheck.Intact i -> {
                    out.println("intact: " + i.sessionsChecked() + (i.sessionsChecked() == 1 ? " session, " : " sessions, ")
                            + i.eventsChecked() + " events, every hash recomputed and every link checked (" + target.url() + ")");
                    yield 0;
                }
                case ChainCheck.Broken b when b.problem() == ChainCheck.Problem.UNKNOWN_SESSION && command.session().isPresent() ->
                        throw new Unusable("no session " + b.sessionId() + " is recorded at " + target.url());
                case ChainCheck.Broken b -> {
                    out.println("BROKEN: session " + b.sessionId() + ", seq " + b.seq() + ": " + b.problem());
                    out.println("  " + b.detail());
                    yield 1;
                }
            };
        } catch (Unusable e) {
            err.println("gatehouse: " + e.getMessage());
            return 2;
        }
    }

    static int replay(CommandLine.Replay command, ConfigLoader loader, Function<String, String> env, PrintStream out, PrintStream err) {
        try {
            Target target = connect(command.target(), loader, env);
            AuditQueries queries = new AuditQueries(target.jdbi());
            SessionSummary session = guarded(target, () -> queries.session(command.session()))
                    .orElseThrow(() -> new Unusable("no session " + command.session() + " is recorded at " + target.url()));
            ReplayTimeline timeline = new ReplayTimeline(out);
            timeline.header(session);
            guarded(target, () -> queries.streamEvents(session.id(), timeline::event));
            ChainCheck check = guarded(target, () -> new ChainVerifier(target.jdbi()).verify(session.id()));
            timeline.footer(check);
            return 0;
        } catch (Unusable e) {
            err.println("gatehouse: " + e.getMessage());
            return 2;
        }
    }

    private record Target(Jdbi jdbi, String url) {
    }

    private static Target connect(CommandLine.DatabaseTarget target, ConfigLoader loader, Function<String, String> env) {
        String url;
        String user;
        String password;
        if (target.config().isPresent()) {
            GatehouseConfig config;
            try {
                config = loader.load(target.config().get());
            } catch (ConfigException e) {
                throw new Unusable(String.join("\n", e.problems().stream().map(Object::toString).toList()));
            }
            StorageSettings storage = config.storage();
            if (storage == null) {
                throw new Unusable(target.config().get() + " has no storage.postgres; give --database JDBC_URL instead"
                        + " (gatehouse dev prints its embedded PostgreSQL's URL)");
            }
            url = storage.postgres().url();
            user = storage.postgres().user();
            password = storage.postgres().password();
        } else {
            url = target.jdbcUrl().orElseThrow();
            user = target.user().orElse(null);
            password = env.apply("PGPASSWORD");
        }
        java.util.Properties credentials = new java.util.Properties();
        if (user != null) {
            credentials.setProperty("user", user);
        }
        if (password != null) {
            credentials.setProperty("password", password);
        }
        // The URL may carry user and password itself (gatehouse dev prints one with ?user=postgres).
        Jdbi jdbi = Jdbi.create(url, credentials).installPlugin(new PostgresPlugin());
        Target connected = new Target(jdbi, url);
        guarded(connected, () -> jdbi.withHandle(h -> h.createQuery("select count(*) from audit_session where false")
                .mapTo(Long.class).one()));
        return connected;
    }

    /** Runs a read, turning a database that cannot be reached or is not Gatehouse's into a usage problem. */
    private static <T> T guarded(Target target, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (JdbiException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String message = Optional.ofNullable(root.getMessage()).orElse(root.getClass().getSimpleName());
            if (message.contains("audit_session") && message.contains("does not exist")) {
                throw new Unusable("the database at " + target.url() + " holds no Gatehouse audit record (no audit_session table)");
            }
            throw new Unusable("cannot read the audit store at " + target.url() + ": " + message);
        }
    }
}
