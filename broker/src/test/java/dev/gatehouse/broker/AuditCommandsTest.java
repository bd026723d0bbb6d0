package dev.gatehouse.broker;

import dev.gatehouse.activities.audit.AuditEvent;
import dev.gatehouse.activities.audit.AuditWriter;
import dev.gatehouse.activities.audit.Direction;
import dev.gatehouse.activities.audit.EventKind;
import dev.gatehouse.activities.audit.RecordingSession;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.audit.WriterSettings;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code gatehouse verify} and {@code gatehouse replay} against a real PostgreSQL holding a real record. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditCommandsTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    private EmbeddedPostgres postgres;
    private Database database;
    private String url;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    void start() throws IOException {
        postgres = EmbeddedPostgres.builder().setServerConfig("synchronous_commit", "on").start();
        url = postgres.getJdbcUrl("postgres", "postgres");
        database = Database.open(new DatabaseSettings(url, "postgres", "", 2, Duration.ofSeconds(10)));
        RecordingSession session = new RecordingSession("s-1", "crm", "https://idp.example.com", "ci-bot", "ci@example.com",
                List.of("agents"), "claude", "1.2", "2025-11-25", T0);
        try (AuditWriter writer = new AuditWriter(database.jdbi(), WriterSettings.defaults())) {
            CompletableFuture.allOf(
                    writer.append(session, new AuditEvent("s-1", T0, Direction.CLIENT, EventKind.MESSAGE, "tools/call", "7",
                            "search_customers", null, StorableJson.of("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
                            + "\"params\":{\"name\":\"search_customers\",\"arguments\":{\"q\":\"[email]\"}}}"), 90, Map.of("email", 1), false),
                            AuditWriter.Durability.FAIL_CLOSED),
                    writer.append(session, new AuditEvent("s-1", T0.plusMillis(3), Direction.BROKER, EventKind.DECISION, "tools/call", "7",
                            "search_customers", "allowed", StorableJson.of("{\"rule\":\"reads flow freely\"}"), 0, Map.of(), false),
                            AuditWriter.Durability.FAIL_CLOSED),
                    writer.append(session, new AuditEvent("s-1", T0.plusMillis(40), Direction.UPSTREAM, EventKind.MESSAGE, null, "7",
                            "search_customers", null, StorableJson.of("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[]}}"), 40,
                            Map.of(), false), AuditWriter.Durability.FAIL_CLOSED)).join();
        }
    }

    @AfterAll
    void stop() throws IOException {
        database.close();
        postgres.close();
    }

    @BeforeEach
    void clearOutput() {
        out.reset();
        err.reset();
    }

    private int run(String... args) {
        return Gatehouse.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void verifyExitsZeroWhenEveryChainIsIntact() {
        assertThat(run("verify", "--database", url)).isZero();
        assertThat(out()).startsWith("intact: 1 session, 3 events");
        assertThat(run("verify", "--database", url, "--session", "s-1")).isZero();
    }

    @Test
    void verifyReadsTheDatabaseFromTheConfigFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, "storage:\n  postgres: { url: \"" + url + "\", user: postgres, password: \"\" }\n");
        assertThat(run("verify", "--config", file.toString())).isZero();
        Files.writeString(file, "upstreams: []\n");
        assertThat(run("verify", "--config", file.toString())).isEqualTo(2);
        assertThat(err()).contains("has no storage.postgres; give --database JDBC_URL instead");
    }

    @Test
    void verifyExitsOneAndNamesTheFirstBrokenLink() {
        database.jdbi().useHandle(h -> h.execute("update audit_event set outcome = 'denied' where session_id = 's-1' and seq = 2"));
        try {
            assertThat(run("verify", "--database", url)).isEqualTo(1);
            assertThat(out().lines().toList()).containsExactly("BROKEN: session s-1, seq 2: EDITED",
                    "  the row's content does not match its hash: it was changed after it was written");
        } finally {
            database.jdbi().useHandle(h -> h.execute("update audit_event set outcome = 'allowed' where session_id = 's-1' and seq = 2"));
        }
    }

    @Test
    void verifyExitsTwoOnUsageAndConnectionProblems() {
        assertThat(run("verify")).isEqualTo(2);
        assertThat(err()).startsWith("gatehouse: verify needs either --config FILE or --database JDBC_URL");
        err.reset();
        assertThat(run("verify", "--database", "jdbc:postgresql://127.0.0.1:1/nothing")).isEqualTo(2);
        assertThat(err()).startsWith("gatehouse: cannot read the audit store at jdbc:postgresql://127.0.0.1:1/nothing");
        err.reset();
        assertThat(run("verify", "--database", url, "--session", "nope")).isEqualTo(2);
        assertThat(err()).startsWith("gatehouse: no session nope is recorded");
    }

    @Test
    void replayPrintsTheSessionAsATimeline() {
        assertThat(run("replay", "s-1", "--database", url)).isZero();
        List<String> lines = out().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("session s-1 on crm");
        assertThat(lines).contains("  caller   ci-bot <ci@example.com> groups [agents] (https://idp.example.com)");
        assertThat(lines).contains(
                "    1  10:00:00.000 → tools/call                 #7     search_customers                           {\"q\":\"[email]\"}",
                "    2  10:00:00.003 ◆ tools/call                 #7     search_customers         allowed           {\"rule\":\"reads flow freely\"}",
                "    3  10:00:00.040 ← message                    #7     search_customers                           {\"content\":[]}");
        assertThat(lines.getLast()).isEqualTo("chain: intact (3 events)");
    }

    @Test
    void replayNeedsAKnownSession() {
        assertThat(run("replay", "--database", url)).isEqualTo(2);
        assertThat(err()).startsWith("gatehouse: replay needs a SESSION_ID");
        err.reset();
        assertThat(run("replay", "nope", "--database", url)).isEqualTo(2);
        assertThat(err()).startsWith("gatehouse: no session nope is recorded");
    }
}
