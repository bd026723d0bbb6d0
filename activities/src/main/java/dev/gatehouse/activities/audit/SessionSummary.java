package dev.gatehouse.activities.audit;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A recorded session as listed and exported: who, what it talked to, and its chain head.
 *
 * @param eventCount the chain head's length, as the session row says
 * @param headHash   hex of the last event's hash, or null before the first event
 * @param tools      the tools (resources, prompts) the session named
 * @param outcomes   the outcomes its decisions and refusals had
 */
public record SessionSummary(String id, String upstream, String callerIssuer, String callerSubject, String callerEmail,
                             List<String> callerGroups, String clientName, String clientVersion, String protocolVersion,
                             Instant startedAt, Instant endedAt, String endReason, long eventCount, String headHash,
                             Instant lastEventAt, List<String> tools, List<String> outcomes) {

    public SessionSummary {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(startedAt, "startedAt");
        callerGroups = callerGroups == null ? List.of() : List.copyOf(callerGroups);
        tools = tools == null ? List.of() : List.copyOf(tools);
        outcomes = outcomes == null ? List.of() : List.copyOf(outcomes);
    }
}
