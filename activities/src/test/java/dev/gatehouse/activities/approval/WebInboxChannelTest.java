package dev.gatehouse.activities.approval;

import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.testing.PostgresExtension;
import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.NotifiedGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(PostgresExtension.class)
class WebInboxChannelTest {

    private static final Instant DEADLINE = Instant.now().plus(Duration.ofMinutes(30));

    private static Announcement announcement(String approvalId, Announcement.Kind kind, String group) {
        return new Announcement(new CallSummary(approvalId, "agent@example.com", "agent@example.com", "crm", "tools/call", "delete_customer", "{}",
                "deletes need a DBA", "", "v1", 1, DEADLINE), kind, new NotifiedGroup(group, List.of(), null, false));
    }

    @Test
    void anEscalatedGroupSeesTheApprovalAndAReminderChangesNothing(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "42"), DEADLINE, 5);
        WebInboxChannel web = new WebInboxChannel(store);

        assertThat(web.serves(new NotifiedGroup("anyone", List.of(), null, false))).isTrue();
        assertThat(web.announce(announcement("apr-1", Announcement.Kind.REMINDER, "dba"))).isEqualTo("dba");
        assertThat(web.announce(announcement("apr-1", Announcement.Kind.ESCALATION, "eng-leads"))).isEqualTo("eng-leads");

        assertThat(store.find("apr-1").orElseThrow().eligibleGroups()).containsExactly("dba", "eng-leads");
    }

    @Test
    void aDecidedApprovalIsNotWidenedByALateEscalation(Database db) {
        ApprovalStore store = new ApprovalStore(db.jdbi());
        store.claim(TestCalls.call("apr-1", "agent", "42"), DEADLINE, 5);
        store.recordOutcome("apr-1", ApprovalRecord.APPROVED, Instant.now(), "approved", List.of("bob@example.com"));

        new WebInboxChannel(store).announce(announcement("apr-1", Announcement.Kind.ESCALATION, "eng-leads"));

        assertThat(store.find("apr-1").orElseThrow().eligibleGroups()).containsExactly("dba");
    }
}
