package dev.gatehouse.broker.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.activities.channel.SlackReplayGuard;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.config.ChannelSettings;
import dev.gatehouse.broker.http.RouteGroup;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.notifier.slack.SlackChannel;
import dev.gatehouse.notifier.slack.SlackRequestSignature;
import dev.gatehouse.notifier.slack.SlackWebApi;

import java.util.Map;

/** Slack as an approval channel: the channel the notify activities post through, and the interactivity callback. */
public final class SlackApprovals {

    private final SlackWebApi slack;
    private final SlackChannel channel;
    private final SlackRequestSignature signature;
    private final Map<String, String> users;

    private SlackApprovals(SlackWebApi slack, SlackChannel channel, SlackRequestSignature signature, Map<String, String> users) {
        this.slack = slack;
        this.channel = channel;
        this.signature = signature;
        this.users = users;
    }

    /** One Slack client for posting and for answering approvers, at {@code channels.slack.apiUrl}. */
    public static SlackApprovals create(ChannelSettings.Slack settings, ApprovalLinks links) {
        SlackWebApi slack = SlackWebApi.connect(settings.botToken(), settings.apiUrl().text());
        return new SlackApprovals(slack, new SlackChannel(slack, links), new SlackRequestSignature(settings.signingSecret()),
                settings.users());
    }

    public ApprovalChannel channel() {
        return channel;
    }

    /** {@code POST /slack/interactivity}: Approve and Deny clicks and the deny form. */
    public RouteGroup routes(GatedCalls gatedCalls, DecisionAttempts attempts, SlackReplayGuard replayGuard) {
        ObjectMapper json = new ObjectMapper();
        SlackDecisions decisions = new SlackDecisions(gatedCalls, attempts, new SlackApprovers(users, slack), slack, json);
        return new SlackInteractivity(signature, replayGuard, attempts, decisions, json)::register;
    }
}
