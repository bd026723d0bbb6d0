package dev.gatehouse.notifier;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NotifierValuesTest {

    private static final Instant DEADLINE = Instant.parse("2025-03-01T10:30:00Z");

    @Test
    void groupsCopyTheirMembersAndRefuseBlankNames() {
        List<String> members = new ArrayList<>(List.of("alice@example.com"));
        NotifiedGroup group = new NotifiedGroup("dba", members, "C0123456", true);
        members.add("mallory@example.com");

        assertThat(group.members()).containsExactly("alice@example.com");
        assertThat(new NotifiedGroup("dba", null, null, false).members()).isEmpty();
        assertThatThrownBy(() -> new NotifiedGroup(" ", List.of(), null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a group name cannot be blank");
        assertThatThrownBy(() -> new NotifiedGroup("dba", List.of(), "", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("group dba: a Slack channel id cannot be blank");
    }

    @Test
    void aCallNeedsAtLeastOneApproval() {
        assertThatThrownBy(() -> new CallSummary("apr-1", "agent", "", "crm", "tools/call", "t", "{}", "p", "", "v1", 0, DEADLINE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("required cannot be less than 1");
    }

    @Test
    void settlementsDefaultAnEmptyDetailAndCopyTheirDecisions() {
        CallSummary call = new CallSummary("apr-1", "agent", "", "crm", "tools/call", "t", "{}", "p", "", "v1", 1, DEADLINE);
        List<DecisionSummary> decisions = new ArrayList<>();
        Settlement settlement = new Settlement(call, Settlement.Outcome.EXPIRED, null, decisions, DEADLINE);
        decisions.add(new DecisionSummary("bob", DecisionSummary.Verdict.APPROVE, null, "web", DEADLINE));

        assertThat(settlement.detail()).isEmpty();
        assertThat(settlement.decisions()).isEmpty();
    }

    @Test
    void deliveryFailuresNameTheirChannel() {
        DeliveryFailedException failure = new DeliveryFailedException("slack", "chat.postMessage answered channel_not_found", null);

        assertThat(failure.channel()).isEqualTo("slack");
        assertThat(failure).hasMessage("channel 'slack': chat.postMessage answered channel_not_found");
    }
}
