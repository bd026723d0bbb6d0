package dev.gatehouse.activities.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * Who a recorded session belongs to and what it talks to. Either an MCP session (same id as the
 * broker's session id) or, for a request outside any MCP session, a recording session of its own.
 *
 * @param callerEmail null unless the token carried a verified e-mail
 * @param clientName  from the client's {@code initialize} ({@code clientInfo.name}), when known
 */
public record RecordingSession(String id, String upstream, String callerIssuer, String callerSubject, String callerEmail,
                               List<String> callerGroups, String clientName, String clientVersion, String protocolVersion,
                               Instant startedAt) {

    /** Prefix of recording sessions that are not MCP sessions (one per sessionless exchange). */
    public static final String EXCHANGE_PREFIX = "x-";

    public RecordingSession {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(callerIssuer, "callerIssuer");
        Objects.requireNonNull(callerSubject, "callerSubject");
        callerGroups = callerGroups == null ? List.of() : List.copyOf(callerGroups);
        startedAt = startedAt.truncatedTo(ChronoUnit.MICROS);
    }
}
