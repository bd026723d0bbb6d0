package dev.gatehouse.broker.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.channel.DecisionAttempt;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.broker.approval.DecisionRefused;
import dev.gatehouse.broker.approval.GatedCallRefusal;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.approval.UnknownApproval;
import dev.gatehouse.notifier.DeliveryFailedException;
import dev.gatehouse.notifier.slack.SlackChannel;
import dev.gatehouse.notifier.slack.SlackWebApi;
import dev.gatehouse.workflows.gated.ApprovalState;
import dev.gatehouse.workflows.gated.DecisionRequest;
import dev.gatehouse.workflows.gated.Person;
import dev.gatehouse.workflows.gated.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Acts on a verified, acknowledged interactivity request: tells who clicked, opens the deny form or passes the
 * decision to the workflow, answers the approver with a message only they see, and records the attempt. Runs
 * after Slack has its answer, so the workflow may take its time. Thread-safe.
 */
final class SlackDecisions {

    private static final Logger log = LoggerFactory.getLogger(SlackDecisions.class);

    private final GatedCalls gatedCalls;
    private final DecisionAttempts attempts;
    private final SlackApprovers approvers;
    private final SlackWebApi slack;
    private final ObjectMapper json;

    SlackDecisions(GatedCalls gatedCalls, DecisionAttempts attempts, SlackApprovers approvers, SlackWebApi slack, ObjectMapper json) {
        this.gatedCalls = gatedCalls;
        this.attempts = attempts;
        this.approvers = approvers;
        this.slack = slack;
        this.json = json;
    }

    void handle(SlackPayload payload) {
        try {
            switch (payload) {
                case SlackPayload.Click click when click.approve() ->
                        decide(click.userId(), click.channel(), click.approvalId(), Verdict.APPROVE, "");
                case SlackPayload.Click click -> askReason(click);
                case SlackPayload.DenySubmission deny ->
                        decide(deny.userId(), deny.origin().channel(), deny.origin().approvalId(), Verdict.DENY, deny.reason());
                case SlackPayload.Other other -> record(null, other.userId(), "request", "ignored", other.what());
            }
        } catch (RuntimeException e) {
            log.error("a Slack interaction of user {} failed", payload.userId(), e);
        }
    }

    private void askReason(SlackPayload.Click click) {
        Optional<String> email = whoIs(click.userId(), click.channel(), click.approvalId(), "deny");
        if (email.isEmpty()) {
            return;
        }
        String actor = actor(click.userId(), email.get());
        try {
            slack.openView(click.triggerId(), DenyModal.view(
                    new DenyModal.Origin(click.approvalId(), click.channel(), click.messageTs()), json));
            record(click.approvalId(), actor, "open", "opened", "asked for the reason to deny");
        } catch (DeliveryFailedException e) {
            record(click.approvalId(), actor, "open", "failed", e.getMessage());
            tell(click.channel(), click.userId(), "Gatehouse could not open the form to deny approval " + click.approvalId()
                    + " (" + e.getMessage() + "); try again, or deny it in the web UI.");
        }
    }

    private void decide(String userId, String channel, String approvalId, Verdict verdict, String reason) {
        String action = verdict == Verdict.APPROVE ? "approve" : "deny";
        Optional<String> email = whoIs(userId, channel, approvalId, action);
        if (email.isEmpty()) {
            return;
        }
        String actor = actor(userId, email.get());
        // Approver groups list people by e-mail; the channel vouches for nothing more than that address.
        Person decider = new Person(email.get(), email.get());
        try {
            ApprovalState state = gatedCalls.decide(approvalId, new DecisionRequest(decider, verdict, reason, SlackChannel.NAME));
            long approvals = state.decisions().stream().filter(d -> d.verdict() == Verdict.APPROVE).count();
            String done = verdict == Verdict.APPROVE
                    ? "You approved approval " + approvalId + " (" + approvals + " of " + state.required() + " approvals)."
                    : "You denied approval " + approvalId + ".";
            record(approvalId, actor, action, "decided", "now " + state.outcome().wireName());
            tell(channel, userId, done);
        } catch (DecisionRefused refused) {
            record(approvalId, actor, action, "refused", refused.reason().name() + ": " + refused.getMessage());
            tell(channel, userId, "Gatehouse did not take your decision on approval " + approvalId + ": " + refused.getMessage());
        } catch (UnknownApproval unknown) {
            record(approvalId, actor, action, "unknown-approval", unknown.getMessage());
            tell(channel, userId, "Gatehouse knows no approval " + approvalId + ".");
        } catch (GatedCallRefusal unavailable) {
            record(approvalId, actor, action, "failed", unavailable.getMessage());
            tell(channel, userId, "Gatehouse could not take your decision on approval " + approvalId + ": "
                    + unavailable.getMessage());
        }
    }

    /** The approver's e-mail; when there is none, the user is told why and the attempt recorded. */
    private Optional<String> whoIs(String userId, String channel, String approvalId, String action) {
        Optional<String> email;
        try {
            email = approvers.emailOf(userId);
        } catch (DeliveryFailedException e) {
            record(approvalId, userId, action, "failed", e.getMessage());
            tell(channel, userId, "Gatehouse could not look you up in Slack to take your decision; try again shortly.");
            return Optional.empty();
        }
        if (email.isEmpty()) {
            record(approvalId, userId, action, "unknown-user", "no e-mail on the Slack profile and none in channels.slack.users");
            tell(channel, userId, "Gatehouse cannot tell who you are: your Slack profile shows no e-mail address it may read,"
                    + " and channels.slack.users does not map your Slack user " + userId + ". Ask a Gatehouse operator to add you.");
        }
        return email;
    }

    /** An answer only {@code userId} sees; if even that fails, the attempt's record and the log are what is left. */
    private void tell(String channel, String userId, String text) {
        try {
            slack.postEphemeral(channel, userId, text);
        } catch (DeliveryFailedException e) {
            log.warn("could not tell Slack user {} \"{}\": {}", userId, text, e.getMessage());
        }
    }

    private void record(String approvalId, String actor, String action, String outcome, String detail) {
        try {
            attempts.record(DecisionAttempt.now(SlackChannel.NAME, approvalId, actor, action, outcome, detail));
        } catch (RuntimeException e) {
            log.warn("could not record the Slack decision attempt of {} on approval {} ({} {}: {}): {}", actor, approvalId, action,
                    outcome, detail, e.toString());
        }
    }

    private static String actor(String userId, String email) {
        return userId + " (" + email + ")";
    }
}
