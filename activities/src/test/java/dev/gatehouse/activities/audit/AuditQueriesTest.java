package dev.gatehouse.activities.audit;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(PostgresExtension.class)
class AuditQueriesTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final String[] NAMES = {"alice", "bob", "carol", "dave"};

    private record Seeded(String id, Instant startedAt, String upstream, String subject, String email, List<String> groups,
                          String tool, String outcome) {
    }

    /** 60 sessions; every third shares its start time with two others, so pages must break ties by id. */
    private static List<Seeded> seed(Database db) {
        List<Seeded> seeded = new ArrayList<>();
        try (Recordings recordings = new Recordings(db)) {
            for (int i = 0; i < 60; i++) {
                String id = String.format("s-%03d", i);
                Instant started = T0.plusSeconds(i / 3);
                String subject = i % 7 == 0 ? "carol@example.com" : NAMES[i % 4];
                String email = i % 7 == 0 ? "carol@example.com" : i % 5 == 0 ? null : NAMES[(i + 1) % 4] + "@example.com";
                List<String> groups = i % 6 == 0 ? List.of("ops") : i % 2 == 0 ? List.of("agents") : List.of("agents", "dba");
                String tool = i % 2 == 0 ? "search_customers" : "delete_customer";
                String outcome = List.of("allowed", "denied", "approval-required").get(i % 3);
                Seeded s = new Seeded(id, started, i % 3 == 0 ? "billing" : "crm", subject, email, groups, tool, outcome);
                seeded.add(s);
                recordings.write(Recordings.session(id, s.upstream(), subject, email, groups, started),
                        Recordings.call(id, started.plusMillis(5), 1, tool, outcome));
            }
        }
        return seeded;
    }

    private static List<String> allPages(AuditQueries queries, SessionFilter filter, int limit) {
        List<String> ids = new ArrayList<>();
        Optional<Cursor> after = Optional.empty();
        int pages = 0;
        do {
            SessionPage page = queries.sessions(filter, after.map(c -> Cursor.parse(c.token())), limit);
            assertThat(page.sessions()).hasSizeLessThanOrEqualTo(limit);
            page.sessions().forEach(s -> ids.add(s.id()));
            after = page.next();
            assertThat(++pages).isLessThan(100);
        } while (after.isPresent());
        return ids;
    }

    private static List<String> expected(List<Seeded> seeded, Predicate<Seeded> filter) {
        return seeded.stream().filter(filter)
                .sorted(Comparator.comparing(Seeded::startedAt).thenComparing(Seeded::id).reversed())
                .map(Seeded::id)
                .toList();
    }

    @Test
    void keysetPagesReturnEverySessionExactlyOnceNewestFirstUnderEachFilter(Database db) {
        List<Seeded> seeded = seed(db);
        AuditQueries queries = new AuditQueries(db.jdbi());
        SessionFilter all = SessionFilter.all();
        Instant from = T0.plusSeconds(4);
        Instant to = T0.plusSeconds(15);
        record Case(SessionFilter filter, Predicate<Seeded> matches) {
        }
        List<Case> cases = List.of(
                new Case(all, s -> true),
                new Case(all.withCaller("bob"), s -> s.subject().equals("bob")),
                new Case(all.withCaller("bob@example.com"), s -> "bob@example.com".equals(s.email())),
                new Case(all.withCaller("carol@example.com"), s -> s.subject().equals("carol@example.com")
                        || "carol@example.com".equals(s.email())),
                new Case(all.withGroup("dba"), s -> s.groups().contains("dba")),
                new Case(all.withUpstream("billing"), s -> s.upstream().equals("billing")),
                new Case(all.withTool("delete_customer"), s -> s.tool().equals("delete_customer")),
                new Case(all.withOutcome("denied"), s -> s.outcome().equals("denied")),
                new Case(all.withFrom(from).withTo(to), s -> !s.startedAt().isBefore(from) && s.startedAt().isBefore(to)),
                new Case(all.withCaller("carol@example.com").withUpstream("crm").withTool("delete_customer"),
                        s -> (s.subject().equals("carol@example.com") || "carol@example.com".equals(s.email()))
                                && s.upstream().equals("crm") && s.tool().equals("delete_customer")),
                new Case(all.withGroup("nobody"), s -> false));
        for (Case c : cases) {
            List<String> expected = expected(seeded, c.matches());
            for (int limit : new int[] {1, 7, 50}) {
                assertThat(allPages(queries, c.filter(), limit)).as(c.filter() + " limit " + limit).containsExactlyElementsOf(expected);
            }
        }
        assertThat(expected(seeded, s -> s.subject().equals("carol@example.com") || "carol@example.com".equals(s.email())))
                .as("sessions matching both subject and e-mail are in the seed").hasSizeGreaterThan(3);
    }

    @Test
    void aSessionListsWhoItWasAndItsChainHead(Database db) {
        seed(db);
        SessionSummary s = new AuditQueries(db.jdbi()).session("s-007").orElseThrow();
        assertThat(s.upstream()).isEqualTo("crm");
        assertThat(s.callerSubject()).isEqualTo("carol@example.com");
        assertThat(s.callerGroups()).containsExactly("agents", "dba");
        assertThat(s.eventCount()).isEqualTo(3);
        assertThat(s.headHash()).hasSize(64);
        assertThat(s.tools()).containsExactly("delete_customer");
        assertThat(s.outcomes()).containsExactly("denied");
        assertThat(new AuditQueries(db.jdbi()).session("s-999")).isEmpty();
    }

    @Test
    void eventsPageInChainOrderAfterASeq(Database db) {
        try (Recordings recordings = new Recordings(db)) {
            recordings.writeCalls("s-1", T0, 3);
        }
        AuditQueries queries = new AuditQueries(db.jdbi());
        assertThat(queries.events("s-1", 0, 4)).extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(queries.events("s-1", 4, 4)).extracting(StoredEvent::seq).containsExactly(5L, 6L, 7L, 8L);
        assertThat(queries.events("s-1", 8, 4)).extracting(StoredEvent::seq).containsExactly(9L);
        assertThat(queries.events("s-unknown", 0, 4)).isEmpty();
        StoredEvent first = queries.events("s-1", 0, 1).getFirst();
        assertThat(first.toChained().event().method()).isEqualTo("tools/call");
        assertThat(StorableJson.parse(first.payload()).at("/params/arguments/q").asText()).isEqualTo("customer 1");

        List<Long> streamed = new ArrayList<>();
        assertThat(queries.streamEvents("s-1", e -> streamed.add(e.seq()))).isEqualTo(9);
        assertThat(streamed).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        streamed.clear();
        queries.streamEvents("s-1", 5, e -> streamed.add(e.seq()));
        assertThat(streamed).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void refusesCursorsItDidNotIssueAndLimitsOutOfRange(Database db) {
        AuditQueries queries = new AuditQueries(db.jdbi());
        assertThatThrownBy(() -> Cursor.parse("not-a-cursor!")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cursor is not one this API issued; pass nextCursor from a previous page unchanged");
        assertThatThrownBy(() -> Cursor.parse("djE6eHl6OnMtMQ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queries.sessions(SessionFilter.all(), Optional.empty(), 501))
                .hasMessage("limit must be between 1 and 500, not 501");
        assertThatThrownBy(() -> SessionFilter.all().withOutcome("maybe"))
                .hasMessage("outcome must be one of [allowed, approval-denied, approval-expired, approval-limit, approval-required,"
                        + " approval-unavailable, approved, cancelled, denied, error, expired, fail-open, insufficient-scope, refused],"
                        + " not 'maybe'");
        Cursor cursor = new Cursor(Instant.parse("2025-03-01T10:00:00.000001Z"), "s:with:colons");
        assertThat(Cursor.parse(cursor.token())).isEqualTo(cursor);
    }
}
