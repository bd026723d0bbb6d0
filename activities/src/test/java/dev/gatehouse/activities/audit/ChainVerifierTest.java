package dev.gatehouse.activities.audit;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(PostgresExtension.class)
class ChainVerifierTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.123456Z");

    /** Writes session s-1 with 2 calls (6 events) and s-2 with 1 call (3 events). */
    private static ChainVerifier recorded(Database db) {
        try (Recordings recordings = new Recordings(db)) {
            recordings.writeCalls("s-1", T0, 2);
            recordings.writeCalls("s-2", T0.plusSeconds(60), 1);
        }
        return new ChainVerifier(db.jdbi());
    }

    private static void sql(Database db, String sql) {
        db.jdbi().useHandle(h -> h.execute(sql));
    }

    @Test
    void intactChainsVerify(Database db) {
        ChainVerifier verifier = recorded(db);
        assertThat(verifier.verify("s-1")).isEqualTo(new ChainCheck.Intact(1, 6));
        assertThat(verifier.verifyAll()).isEqualTo(new ChainCheck.Intact(2, 9));
    }

    @Test
    void payloadsRespeltByJsonbStillVerify(Database db) {
        try (Recordings recordings = new Recordings(db)) {
            // jsonb reorders keys, drops white space and rewrites 1e3 as 1000; the hash covers the value, not the spelling.
            recordings.write(Recordings.session("s-json", T0), List.of(new AuditEvent("s-json", T0, Direction.UPSTREAM,
                    EventKind.MESSAGE, null, "\"a\"", null, null,
                    StorableJson.of("{\"z\": 1e3, \"a\": [1.50, -0.0, 12345678901234567890123], \"u\": \"\\u00e9\\ud83d\\ude00 \\u0000\", \"n\": null}"),
                    99, Map.of("phone", 2, "email", 1), false)));
        }
        assertThat(new ChainVerifier(db.jdbi()).verify("s-json")).isEqualTo(new ChainCheck.Intact(1, 1));
    }

    @Test
    void anEditedPayloadIsReportedAtItsSeq(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "update audit_event set payload = jsonb_set(payload, '{params,arguments,q}', '\"someone else\"') where session_id = 's-1' and seq = 4");
        assertThat(verifier.verify("s-1")).isInstanceOfSatisfying(ChainCheck.Broken.class, b -> {
            assertThat(b.sessionId()).isEqualTo("s-1");
            assertThat(b.seq()).isEqualTo(4);
            assertThat(b.problem()).isEqualTo(ChainCheck.Problem.EDITED);
            assertThat(b.detail()).contains("content does not match its hash");
        });
    }

    @Test
    void anEditedOutcomeIsReportedAsEdited(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "update audit_event set outcome = 'denied' where session_id = 's-1' and seq = 2");
        assertThat(verifier.verify("s-1")).extracting("seq", "problem").containsExactly(2L, ChainCheck.Problem.EDITED);
    }

    @Test
    void aRowHoldingAnUnknownDirectionIsReportedAsEdited(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "update audit_event set direction = 'sideways' where session_id = 's-1' and seq = 5");
        assertThat(verifier.verify("s-1")).isInstanceOfSatisfying(ChainCheck.Broken.class, b -> {
            assertThat(b.seq()).isEqualTo(5);
            assertThat(b.problem()).isEqualTo(ChainCheck.Problem.EDITED);
            assertThat(b.detail()).contains("direction 'sideways'");
        });
    }

    @Test
    void aChangedPrevHashAloneIsReportedAsEdited(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "update audit_event set prev_hash = decode(repeat('ab', 32), 'hex') where session_id = 's-1' and seq = 3");
        assertThat(verifier.verify("s-1")).isInstanceOfSatisfying(ChainCheck.Broken.class, b -> {
            assertThat(b.seq()).isEqualTo(3);
            assertThat(b.problem()).isEqualTo(ChainCheck.Problem.EDITED);
            assertThat(b.detail()).startsWith("prev_hash was changed");
        });
    }

    @Test
    void aDeletedMiddleRowIsMissingAtItsSeq(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "delete from audit_event where session_id = 's-1' and seq = 3");
        assertThat(verifier.verify("s-1")).isEqualTo(new ChainCheck.Broken("s-1", 3, ChainCheck.Problem.MISSING,
                "seq 3 is missing: the next row stored is seq 4"));
    }

    @Test
    void aDeletedRowWithLaterRowsRenumberedIsMissing(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "delete from audit_event where session_id = 's-1' and seq = 3");
        sql(db, "update audit_event set seq = -(seq - 1) where session_id = 's-1' and seq > 3");
        sql(db, "update audit_event set seq = -seq where session_id = 's-1' and seq < 0");
        sql(db, "update audit_session set event_count = 5 where id = 's-1'");
        assertThat(verifier.verify("s-1")).extracting("seq", "problem").containsExactly(3L, ChainCheck.Problem.MISSING);
    }

    @Test
    void swappedRowsAreReorderedAtTheFirstOfThem(Database db) {
        ChainVerifier verifier = recorded(db);
        // Exchange seq 3 and 4 (through a free number: the primary key is checked row by row).
        sql(db, "update audit_event set seq = -3 where session_id = 's-1' and seq = 3");
        sql(db, "update audit_event set seq = 3 where session_id = 's-1' and seq = 4");
        sql(db, "update audit_event set seq = 4 where session_id = 's-1' and seq = -3");
        assertThat(verifier.verify("s-1")).isEqualTo(new ChainCheck.Broken("s-1", 3, ChainCheck.Problem.REORDERED,
                "the row at seq 3 does not follow seq 2; the row that does is stored at seq 4"));
    }

    @Test
    void aRowMovedPastTheEndIsReordered(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "update audit_event set seq = 9 where session_id = 's-1' and seq = 6");
        assertThat(verifier.verify("s-1")).isEqualTo(new ChainCheck.Broken("s-1", 6, ChainCheck.Problem.REORDERED,
                "no row has seq 6; the row that follows seq 5 is stored at seq 9"));
    }

    @Test
    void aDeletedLastRowIsAHeadMismatch(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "delete from audit_event where session_id = 's-1' and seq = 6");
        assertThat(verifier.verify("s-1")).isEqualTo(new ChainCheck.Broken("s-1", 6, ChainCheck.Problem.HEAD_MISMATCH,
                "the session's head says 6 events but the chain ends at seq 5: the last row was deleted"));
    }

    @Test
    void aHeadRewoundTogetherWithDeletedRowsStillNamesTheHash(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "delete from audit_event where session_id = 's-1' and seq = 6");
        sql(db, "update audit_session set event_count = 5 where id = 's-1'");
        assertThat(verifier.verify("s-1")).extracting("seq", "problem").containsExactly(5L, ChainCheck.Problem.HEAD_MISMATCH);
    }

    @Test
    void anUnknownSessionIsReportedAsSuch(Database db) {
        ChainVerifier verifier = recorded(db);
        assertThat(verifier.verify("nope")).extracting("sessionId", "seq", "problem")
                .containsExactly("nope", 0L, ChainCheck.Problem.UNKNOWN_SESSION);
    }

    @Test
    void verifyingAllWalksPageAfterPage(Database db) {
        try (Recordings recordings = new Recordings(db)) {
            for (int i = 1; i <= 5; i++) {
                recordings.writeCalls("p-" + i, T0.plusSeconds(i), i);
            }
        }
        ChainVerifier verifier = new ChainVerifier(db.jdbi(), 2);
        assertThat(verifier.verifyAll()).isEqualTo(new ChainCheck.Intact(5, 45));
        sql(db, "delete from audit_event where session_id = 'p-5' and seq = 15");
        assertThat(verifier.verifyAll()).extracting("sessionId", "seq", "problem")
                .containsExactly("p-5", 15L, ChainCheck.Problem.HEAD_MISMATCH);
        sql(db, "update audit_event set seq = seq + 100 where session_id = 'p-4' and seq = 12");
        assertThat(verifier.verifyAll()).extracting("sessionId", "seq", "problem")
                .containsExactly("p-4", 12L, ChainCheck.Problem.REORDERED);
    }

    @Test
    void verifyingAllNamesTheFirstBrokenSession(Database db) {
        ChainVerifier verifier = recorded(db);
        sql(db, "delete from audit_event where session_id = 's-2' and seq = 1");
        assertThat(verifier.verify("s-1").intact()).isTrue();
        assertThat(verifier.verifyAll()).extracting("sessionId", "seq", "problem")
                .containsExactly("s-2", 1L, ChainCheck.Problem.MISSING);
    }
}
