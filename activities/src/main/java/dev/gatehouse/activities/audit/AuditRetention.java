package dev.gatehouse.activities.audit;

import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Deletes recorded sessions whose last activity ({@code coalesce(last_event_at, started_at)}) is
 * older than a number of days, with their events, and records the run in
 * {@code audit_retention_run}. Thread-safe; two runs at once split the work between them.
 *
 * <p>Deletes in chunks, each its own short transaction, so a first run over years of records
 * neither holds locks for long nor builds one huge transaction. Rows a writer holds locked (a
 * session receiving events right now) are skipped rather than waited for: they are not idle.
 */
public final class AuditRetention {

    private static final int CHUNK = 1_000;

    private final Jdbi jdbi;
    private final Clock clock;
    private final int chunk;

    public AuditRetention(Jdbi jdbi) {
        this(jdbi, Clock.systemUTC(), CHUNK);
    }

    AuditRetention(Jdbi jdbi, Clock clock, int chunk) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.chunk = chunk;
    }

    /**
     * Deletes sessions idle for more than {@code olderThanDays} days and records who ran it.
     *
     * @param olderThanDays at least 1: a retention of 0 days would delete sessions that are still open
     * @param ranBy         who asked (a subject, or e.g. {@code cli:<user>})
     */
    public RetentionRun run(int olderThanDays, String ranBy) {
        if (olderThanDays < 1) {
            throw new IllegalArgumentException("olderThanDays must be at least 1, not " + olderThanDays);
        }
        if (ranBy == null || ranBy.isBlank()) {
            throw new IllegalArgumentException("ranBy is required: retention runs are recorded with who ran them");
        }
        Instant ranAt = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Instant cutoff = ranAt.minus(Duration.ofDays(olderThanDays));
        long sessions = 0;
        long events = 0;
        while (true) {
            long[] deleted = jdbi.inTransaction(h -> h.createQuery("""
                            with doomed as (
                                select id from audit_session
                                -- A session's last activity is never before its start: walk the oldest starts
                                -- (audit_session_started, backwards) and keep those quiet since the cutoff too.
                                where started_at < cast(:cutoff as timestamptz)
                                  and coalesce(last_event_at, started_at) < cast(:cutoff as timestamptz)
                                order by started_at, id
                                limit :chunk
                                for update skip locked
                            ), events as (
                                select count(*) as n from audit_event where session_id in (select id from doomed)
                            ), gone as (
                                delete from audit_session where id in (select id from doomed) returning id
                            )
                            select (select count(*) from gone) as sessions, (select n from events) as events
                            """)
                    .bind("cutoff", cutoff.toString())
                    .bind("chunk", chunk)
                    .map((rs, ctx) -> new long[] {rs.getLong("sessions"), rs.getLong("events")})
                    .one());
            sessions += deleted[0];
            events += deleted[1];
            if (deleted[0] < chunk) {
                break;
            }
        }
        long finalSessions = sessions;
        long finalEvents = events;
        long id = jdbi.withHandle(h -> h.createQuery("""
                        insert into audit_retention_run (ran_at, ran_by, cutoff, sessions_deleted, events_deleted)
                        values (cast(:ranAt as timestamptz), :ranBy, cast(:cutoff as timestamptz), :sessions, :events)
                        returning id
                        """)
                .bind("ranAt", ranAt.toString())
                .bind("ranBy", ranBy)
                .bind("cutoff", cutoff.toString())
                .bind("sessions", finalSessions)
                .bind("events", finalEvents)
                .mapTo(Long.class)
                .one());
        return new RetentionRun(id, ranAt, ranBy, cutoff, finalSessions, finalEvents);
    }
}
