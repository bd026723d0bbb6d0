package dev.gatehouse.notifier;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogChannelTest {

    private static final CallSummary CALL = new CallSummary("apr-1", "agent@example.com", "agent@example.com", "crm", "tools/call", "delete_customer",
            "{\"customer\":\"42\"}", "deletes need a DBA", "", "v1", 1, Instant.parse("2025-03-01T10:30:00Z"));

    @Test
    void reachesEveryGroupAndHandsBackAHandleNamingTheApprovalAndGroup() {
        LogChannel log = new LogChannel();

        assertThat(log.name()).isEqualTo("log");
        assertThat(log.serves(new NotifiedGroup("dba", List.of(), null, false))).isTrue();
        assertThat(log.announce(new Announcement(CALL, Announcement.Kind.REQUEST, new NotifiedGroup("dba", List.of(), null, false))))
                .isEqualTo("apr-1/dba");
        log.settle("apr-1/dba", new Settlement(CALL, Settlement.Outcome.APPROVED, "approved by bob@example.com", List.of(),
                Instant.parse("2025-03-01T10:05:00Z")));
    }

    @Test
    void shortensLongPreviews() {
        assertThat(LogChannel.shortened("x".repeat(1000))).hasSize(LogChannel.PREVIEW_CHARS + 1).endsWith("…");
        assertThat(LogChannel.shortened("{}")).isEqualTo("{}");
    }
}
