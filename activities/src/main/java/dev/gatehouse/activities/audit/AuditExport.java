package dev.gatehouse.activities.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Sessions as JSON Lines, complete enough to verify offline: per session, one {@code "type":"session"}
 * line (with the chain head the session row names), then one {@code "type":"event"} line per event
 * in chain order, with its seq, both hashes and the stored payload. Memory stays bounded: events
 * are read a page at a time and written as they come. Thread-safe.
 */
public final class AuditExport {

    /** Names this file format in every session line, so a later format can be told apart. */
    public static final String FORMAT = "gatehouse-audit-export/1";

    private final AuditQueries queries;

    public AuditExport(AuditQueries queries) {
        this.queries = queries;
    }

    /**
     * Writes {@code session} and its events up to the head it names (events appended while the
     * export runs belong to a later export); returns the number of events written. Does not close
     * {@code out}.
     */
    public long export(SessionSummary session, OutputStream out) {
        try {
            JsonGenerator g = generator(out);
            writeSessionLine(g, session);
            long written = queries.streamEvents(session.id(), session.eventCount(), event -> writeEventLine(g, event));
            g.flush();
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes every session matching {@code filter}, newest first, each followed by its events; returns how many sessions. */
    public long export(SessionFilter filter, OutputStream out) {
        return queries.streamSessions(filter, session -> export(session, out));
    }

    /**
     * Re-checks the chains of an export without the database: each event must hash and link as
     * written, and each session's last event must be the head its session line names.
     *
     * @param lines a fresh stream of the export's lines on every call; it is read once, and again
     *              only to tell a reordered row from a missing one after a break was found
     * @throws IllegalArgumentException when a line is not part of an export (naming its number)
     */
    public static ChainCheck verifyLines(Supplier<Stream<String>> lines) {
        long sessions = 0;
        long events = 0;
        SessionSummary session = null;
        ChainWalk walk = null;
        long lineNumber = 0;
        try (Stream<String> stream = lines.get()) {
            Iterator<String> it = stream.iterator();
            while (it.hasNext()) {
                String line = it.next();
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = AuditJson.parse(line);
                    String type = node.path("type").asText("");
                    if (type.equals("session")) {
                        if (walk != null) {
                            ChainCheck.Broken broken = finish(walk, session);
                            if (broken != null) {
                                return broken;
                            }
                        }
                        session = AuditJson.readSession(node);
                        walk = new ChainWalk(session.id(), (id, prev, notSeq) -> seqLinkingTo(lines, id, prev, notSeq));
                        sessions++;
                    } else if (type.equals("event")) {
                        StoredEvent event = AuditJson.readEvent(node);
                        if (walk == null) {
                            return new ChainCheck.Broken(event.sessionId(), event.seq(), ChainCheck.Problem.UNKNOWN_SESSION,
                                    "line " + lineNumber + ": an event before any session line");
                        }
                        ChainCheck.Broken broken = walk.accept(event);
                        if (broken != null) {
                            return broken;
                        }
                        events++;
                    } else {
                        throw new IllegalArgumentException("type must be session or event");
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage(), e);
                }
            }
        }
        if (walk != null) {
            ChainCheck.Broken broken = finish(walk, session);
            if (broken != null) {
                return broken;
            }
        }
        return new ChainCheck.Intact(sessions, events);
    }

    /** {@link #verifyLines} over a file. */
    public static ChainCheck verify(Path file) {
        return verifyLines(() -> {
            try {
                return Files.lines(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        });
    }

    private static ChainCheck.Broken finish(ChainWalk walk, SessionSummary session) {
        return walk.finish(session.eventCount(), session.headHash() == null ? null : java.util.HexFormat.of().parseHex(session.headHash()));
    }

    private static OptionalLong seqLinkingTo(Supplier<Stream<String>> lines, String sessionId, byte[] prevHash, long notSeq) {
        String prevHex = java.util.HexFormat.of().formatHex(prevHash);
        try (Stream<String> stream = lines.get()) {
            return stream.filter(l -> l.contains(prevHex))
                    .map(AuditJson::parse)
                    .filter(n -> n.path("type").asText("").equals("event")
                            && n.path("sessionId").asText("").equals(sessionId)
                            && n.path("prevHash").asText("").equals(prevHex)
                            && n.path("seq").asLong() != notSeq)
                    .mapToLong(n -> n.path("seq").asLong())
                    .findFirst();
        }
    }

    private static JsonGenerator generator(OutputStream out) throws IOException {
        JsonGenerator g = AuditJson.factory().createGenerator(out);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.setRootValueSeparator(null);
        return g;
    }

    private static void writeSessionLine(JsonGenerator g, SessionSummary session) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "session");
        g.writeStringField("format", FORMAT);
        AuditJson.writeSessionFields(g, session);
        g.writeEndObject();
        g.writeRaw('\n');
    }

    private static void writeEventLine(JsonGenerator g, StoredEvent event) {
        try {
            g.writeStartObject();
            g.writeStringField("type", "event");
            AuditJson.writeEventFields(g, event);
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
