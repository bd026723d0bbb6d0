package dev.gatehouse.activities.audit;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(PostgresExtension.class)
class AuditExportTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.5Z");

    private static List<String> export(Database db, String sessionId) {
        AuditQueries queries = new AuditQueries(db.jdbi());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new AuditExport(queries).export(queries.session(sessionId).orElseThrow(), out);
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static StoredEvent canonical(StoredEvent e) {
        return new StoredEvent(e.sessionId(), e.seq(), e.at(), e.direction(), e.kind(), e.method(), e.jsonrpcId(), e.target(), e.outcome(),
                e.payload() == null ? null : new String(StorableJson.canonical(e.payload()), StandardCharsets.UTF_8), e.size(),
                e.masked() == null ? null : new String(StorableJson.canonical(e.masked()), StandardCharsets.UTF_8), e.failOpen(),
                e.prevHash(), e.hash());
    }

    private static ChainCheck verify(List<String> lines) {
        return AuditExport.verifyLines(lines::stream);
    }

    @Test
    void anExportRoundTripsAndVerifiesOffline(Database db, @TempDir Path dir) throws IOException {
        try (Recordings recordings = new Recordings(db)) {
            recordings.writeCalls("s-1", T0, 3);
            recordings.write(Recordings.session("s-1", T0), List.of(new AuditEvent("s-1", T0.plusSeconds(9), Direction.BROKER,
                    EventKind.SESSION_END, null, null, null, "client-closed", null, 0, Map.of(), false)));
        }
        List<String> lines = export(db, "s-1");
        assertThat(lines).hasSize(11);
        assertThat(lines.getFirst()).startsWith("{\"type\":\"session\",\"format\":\"gatehouse-audit-export/1\",\"id\":\"s-1\"");
        assertThat(lines.get(1)).contains("\"seq\":1", "\"payload\":{").doesNotContain("\n");

        Path file = dir.resolve("s-1.jsonl");
        Files.write(file, lines);
        assertThat(AuditExport.verify(file)).isEqualTo(new ChainCheck.Intact(1, 10));

        List<StoredEvent> exported = new ArrayList<>();
        lines.stream().skip(1).map(AuditJson::parse).map(AuditJson::readEvent).forEach(exported::add);
        // The same rows; the payload's spelling is the export's own (jsonb's text re-read), its value the same.
        assertThat(exported).map(AuditExportTest::canonical)
                .containsExactlyElementsOf(new AuditQueries(db.jdbi()).events("s-1", 0, 500).stream().map(AuditExportTest::canonical).toList());
        assertThat(exported.getLast().payload()).isNull();
        assertThat(AuditJson.readSession(AuditJson.parse(lines.getFirst())))
                .isEqualTo(new AuditQueries(db.jdbi()).session("s-1").orElseThrow());
    }

    @Test
    void payloadsJsonbRespeltStillVerifyOfflineAfterExport(Database db) {
        try (Recordings recordings = new Recordings(db)) {
            recordings.write(Recordings.session("s-json", T0), List.of(new AuditEvent("s-json", T0, Direction.UPSTREAM,
                    EventKind.MESSAGE, null, "\"a\"", null, null,
                    StorableJson.of("{\"z\": 1e-30, \"a\": [1.50, 12345678901234567890.123456789, 1e400], \"u\": \"\\u00e9\\ud83d\\ude00\\n\"}"),
                    99, Map.of("phone", 2), false)));
        }
        assertThat(verify(export(db, "s-json"))).isEqualTo(new ChainCheck.Intact(1, 1));
    }

    @Test
    void anExportEditedAfterwardsFailsOfflineVerification(Database db) {
        try (Recordings recordings = new Recordings(db)) {
            recordings.writeCalls("s-1", T0, 2);
        }
        List<String> lines = new ArrayList<>(export(db, "s-1"));
        List<String> edited = new ArrayList<>(lines);
        edited.set(2, edited.get(2).replace("reads flow freely", "reads flow freely!"));
        assertThat(verify(edited)).extracting("seq", "problem").containsExactly(2L, ChainCheck.Problem.EDITED);

        List<String> cut = new ArrayList<>(lines);
        cut.remove(3);
        assertThat(verify(cut)).extracting("seq", "problem").containsExactly(3L, ChainCheck.Problem.MISSING);

        List<String> swapped = new ArrayList<>(lines);
        swapped.set(3, lines.get(4).replace("\"seq\":4", "\"seq\":3"));
        swapped.set(4, lines.get(3).replace("\"seq\":3", "\"seq\":4"));
        assertThat(verify(swapped)).extracting("seq", "problem").containsExactly(3L, ChainCheck.Problem.REORDERED);

        List<String> truncated = lines.subList(0, lines.size() - 1);
        assertThat(verify(truncated)).extracting("seq", "problem").containsExactly(6L, ChainCheck.Problem.HEAD_MISMATCH);

        assertThatThrownBy(() -> verify(List.of(lines.getFirst(), "{not json"))).hasMessageStartingWith("line 2: not JSON");
    }

    @Test
    void aFiltersSessionsExportAsOneVerifiableFile(Database db) {
        try (Recordings recordings = new Recordings(db)) {
            recordings.writeCalls("s-1", T0, 1);
            recordings.writeCalls("s-2", T0.plusSeconds(10), 2);
            recordings.write(Recordings.session("s-3", "billing", "bob", null, List.of(), T0),
                    Recordings.call("s-3", T0, 1, "refund", "denied"));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long sessions = new AuditExport(new AuditQueries(db.jdbi())).export(SessionFilter.all().withUpstream("crm"), out);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(sessions).isEqualTo(2);
        assertThat(lines).filteredOn(l -> l.startsWith("{\"type\":\"session\"")).hasSize(2);
        assertThat(lines.getFirst()).contains("\"id\":\"s-2\"");
        assertThat(verify(lines)).isEqualTo(new ChainCheck.Intact(2, 9));
    }
}
