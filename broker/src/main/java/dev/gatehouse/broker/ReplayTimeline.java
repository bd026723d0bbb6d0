package dev.gatehouse.broker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.activities.audit.ChainCheck;
import dev.gatehouse.activities.audit.SessionSummary;
import dev.gatehouse.activities.audit.StorableJson;
import dev.gatehouse.activities.audit.StoredEvent;

import java.io.PrintStream;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A recorded session as a terminal timeline, one line per event: time (UTC), direction arrow,
 * method or kind, JSON-RPC id, target, outcome and a one-line excerpt of the payload. Payloads are
 * shown as stored, which is masked; nothing here unmasks.
 */
final class ReplayTimeline {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final int EXCERPT = 100;

    private final PrintStream out;
    private LocalDate day;

    ReplayTimeline(PrintStream out) {
        this.out = out;
    }

    void header(SessionSummary s) {
        out.println("session " + s.id() + " on " + s.upstream());
        out.println("  caller   " + s.callerSubject() + (s.callerEmail() == null ? "" : " <" + s.callerEmail() + ">")
                + " groups " + s.callerGroups() + " (" + s.callerIssuer() + ")");
        if (s.clientName() != null || s.protocolVersion() != null) {
            out.println("  client   " + orDash(s.clientName()) + " " + orDash(s.clientVersion()) + ", protocol " + orDash(s.protocolVersion()));
        }
        out.println("  started  " + s.startedAt() + (s.endedAt() == null ? "" : ", ended " + s.endedAt()
                + (s.endReason() == null ? "" : " (" + s.endReason() + ")")));
        out.println("  " + s.eventCount() + " events; payloads as recorded (masked)");
        out.println("  → client to upstream   ← upstream to client   ◆ the broker's own (decisions, refusals)");
        out.println();
    }

    void event(StoredEvent e) {
        LocalDate eventDay = e.at().atZone(ZoneOffset.UTC).toLocalDate();
        if (!eventDay.equals(day)) {
            day = eventDay;
            out.println("-- " + day + " (UTC)");
        }
        StringBuilder line = new StringBuilder();
        line.append(String.format("%5d  %s %s %-26s", e.seq(), TIME.format(e.at()), arrow(e.direction()),
                e.method() != null ? e.method() : e.kind()));
        line.append(String.format(" %-6s", e.jsonrpcId() == null ? "" : "#" + e.jsonrpcId()));
        line.append(String.format(" %-24s", e.target() == null ? "" : e.target()));
        line.append(String.format(" %-17s", e.outcome() == null ? "" : e.outcome()));
        if (e.failOpen()) {
            line.append(" [fail-open]");
        }
        line.append(' ').append(excerpt(e));
        out.println(line.toString().stripTrailing());
    }

    void footer(ChainCheck check) {
        out.println();
        out.println(switch (check) {
            case ChainCheck.Intact i -> "chain: intact (" + i.eventsChecked() + " events)";
            case ChainCheck.Broken b -> "chain: BROKEN at seq " + b.seq() + ": " + b.problem() + " — " + b.detail();
        });
    }

    private static String arrow(String direction) {
        return switch (direction == null ? "" : direction) {
            case "client" -> "→";
            case "upstream" -> "←";
            case "broker" -> "◆";
            default -> "?";
        };
    }

    /** The informative part of a message in one line: a call's arguments, a result, an error, else the payload. */
    static String excerpt(StoredEvent e) {
        if (e.payload() == null) {
            return "";
        }
        String text;
        try {
            JsonNode payload = StorableJson.parse(e.payload());
            JsonNode part = payload;
            if (payload.has("params") && payload.get("params").has("arguments")) {
                part = payload.get("params").get("arguments");
            } else if (payload.has("result")) {
                part = payload.get("result");
            } else if (payload.has("error")) {
                part = payload.get("error");
            } else if (payload.has("params")) {
                part = payload.get("params");
            }
            text = StorableJson.of(part);
        } catch (IllegalArgumentException ex) {
            text = e.payload();
        }
        text = text.replaceAll("\\s+", " ");
        return text.length() <= EXCERPT ? text : text.substring(0, EXCERPT - 1) + "…";
    }

    private static String orDash(String value) {
        return value == null ? "-" : value;
    }
}
