package dev.gatehouse.broker.email;

import dev.gatehouse.activities.approval.ApprovalStore;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.activities.channel.SpentLinks;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.config.ChannelSettings;
import dev.gatehouse.broker.http.RouteGroup;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.ApprovalLinks;

/** E-mail as an approval channel: the channel that sends the mail, and the pages its decision links open. */
public final class EmailApprovals {

    private EmailApprovals() {
    }

    /** E-mail approvals arrive in the next commit; until then a configured {@code channels.email} is refused. */
    public static EmailApprovals create(ChannelSettings.Email settings, ApprovalLinks links, String payloadKeyBase64) {
        throw new UnsupportedOperationException("e-mail approvals are not built yet");
    }

    public ApprovalChannel channel() {
        throw new UnsupportedOperationException();
    }

    public RouteGroup routes(GatedCalls gatedCalls, ApprovalStore approvals, DecisionAttempts attempts, SpentLinks spentLinks) {
        throw new UnsupportedOperationException();
    }
}
