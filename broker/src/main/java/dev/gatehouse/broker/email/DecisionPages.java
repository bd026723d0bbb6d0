package dev.gatehouse.broker.email;

import dev.gatehouse.activities.approval.ApprovalRecord;
import dev.gatehouse.activities.approval.ApprovalStore;
import dev.gatehouse.activities.channel.DecisionAttempt;
import dev.gatehouse.activities.channel.DecisionAttempts;
import dev.gatehouse.activities.channel.SpentLinks;
import dev.gatehouse.broker.approval.DecisionRefused;
import dev.gatehouse.broker.approval.GatedCallRefusal;
import dev.gatehouse.broker.approval.GatedCalls;
import dev.gatehouse.broker.approval.UnknownApproval;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.notifier.DecisionSummary;
import dev.gatehouse.notifier.email.DecisionLinks;
import dev.gatehouse.notifier.email.LinkCheck;
import dev.gatehouse.notifier.email.LinkClaims;
import dev.gatehouse.workflows.gated.ApprovalState;
import dev.gatehouse.workflows.gated.DecisionRequest;
import dev.gatehouse.workflows.gated.Person;
import dev.gatehouse.workflows.gated.Verdict;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.jdbi.v3.core.ConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * What an e-mailed decision link opens. {@code GET} only shows the call and a button, because mail
 * scanners and link previews open links on their own; the button's {@code POST} decides. A link decides
 * once: it is spent before the decision is offered, so a double submit cannot decide twice. Every
 * request, taken or refused, is written to the decision-attempt log. Thread-safe.
 */
final class DecisionPages {

    static final String CHANNEL = "email";
    /** Who a request is recorded as when its link cannot be trusted to say. */
    static final String UNVERIFIED = "(unverified link)";
    static final int MAX_REASON = 1000;

    private static final Logger log = LoggerFactory.getLogger(DecisionPages.class);

    private final DecisionLinks links;
    private final GatedCalls gatedCalls;
    private final ApprovalStore approvals;
    private final DecisionAttempts attempts;
    private final SpentLinks spentLinks;
    private final ApprovalLinks urls;
    private final Clock clock;

    DecisionPages(DecisionLinks links, GatedCalls gatedCalls, ApprovalStore approvals, DecisionAttempts attempts,
                  SpentLinks spentLinks, ApprovalLinks urls, Clock clock) {
        this.links = links;
        this.gatedCalls = gatedCalls;
        this.approvals = approvals;
        this.attempts = attempts;
        this.spentLinks = spentLinks;
        this.urls = urls;
        this.clock = clock;
    }

    void register(RoutesConfig routes) {
        routes.get(ApprovalLinks.EMAIL_DECISION_PATH, guarded(this::open));
        routes.post(ApprovalLinks.EMAIL_DECISION_PATH, guarded(this::decide));
    }

    private void open(Context ctx) {
        String id = ctx.pathParam("id");
        Optional<LinkClaims> trusted = trusted(ctx, id, ctx.queryParam("t"), "open");
        if (trusted.isEmpty()) {
            return;
        }
        LinkClaims link = trusted.get();
        Optional<Instant> spent = spentLinks.spentAt(link.linkId());
        if (spent.isPresent()) {
            used(ctx, link, "open", spent.get());
            return;
        }
        Optional<ApprovalRecord> approval = approvals.find(id);
        if (approval.isEmpty()) {
            unknown(ctx, link, "open");
            return;
        }
        if (!approval.get().isPending()) {
            ApprovalRecord settled = approval.get();
            String how = "Approval " + id + " is " + settled.status()
                    + (settled.decidedBy().isEmpty() ? "" : " (decided by " + String.join(", ", settled.decidedBy()) + ")")
                    + (settled.outcomeReason().isEmpty() ? "" : ": " + settled.outcomeReason());
            record(id, link.approver(), "open", "settled", how);
            Page.send(ctx, 409, "Already decided", Page.paragraph(how + ".") + Page.note("Nothing was changed.")
                    + Page.details(settled));
            return;
        }
        record(id, link.approver(), "open", "shown", link.action());
        Page.send(ctx, 200, link.verdict() == DecisionSummary.Verdict.APPROVE ? "Approve this call?" : "Deny this call?",
                confirmation(approval.get(), link, ctx.queryParam("t")));
    }

    private void decide(Context ctx) {
        String id = ctx.pathParam("id");
        String token = ctx.formParam("t");
        Optional<LinkClaims> trusted = trusted(ctx, id, token, "decide");
        if (trusted.isEmpty()) {
            return;
        }
        LinkClaims link = trusted.get();
        String reason = Optional.ofNullable(ctx.formParam("reason")).orElse("").strip();
        if (reason.length() > MAX_REASON) {
            record(id, link.approver(), link.action(), "malformed", "a reason of " + reason.length() + " characters");
            Page.send(ctx, 400, "The reason is too long", Page.paragraph("A reason may have up to " + MAX_REASON
                    + " characters. Go back, shorten it and submit again; nothing was decided and the link still works."));
            return;
        }
        // Spent first: of two submits racing, one spends the link and decides, the other is told it was used.
        if (!spentLinks.spend(link.linkId(), id, link.approver(), link.action())) {
            used(ctx, link, link.action(), spentLinks.spentAt(link.linkId()).orElse(clock.instant()));
            return;
        }
        Person approver = new Person(link.approver(), link.approver());
        Verdict verdict = link.verdict() == DecisionSummary.Verdict.APPROVE ? Verdict.APPROVE : Verdict.DENY;
        try {
            ApprovalState state = gatedCalls.decide(id, new DecisionRequest(approver, verdict, reason, CHANNEL));
            long approvalsSoFar = state.decisions().stream().filter(d -> d.verdict() == Verdict.APPROVE).count();
            String where = "Approval " + id + " is now " + state.outcome().wireName() + " (" + approvalsSoFar + " of "
                    + state.required() + " approvals).";
            record(id, link.approver(), link.action(), "decided", state.outcome().wireName());
            Page.send(ctx, 200, verdict == Verdict.APPROVE ? "You approved the call" : "You denied the call",
                    Page.paragraph("Thank you, " + link.approver() + ". " + where) + web(id));
        } catch (DecisionRefused refused) {
            record(id, link.approver(), link.action(), "refused", refused.reason().name() + ": " + refused.getMessage());
            Page.send(ctx, refused.isForbidden() ? 403 : 409, "Your decision was not taken",
                    Page.paragraph(refused.getMessage() + ".") + web(id));
        } catch (UnknownApproval unknown) {
            unknown(ctx, link, link.action());
        } catch (GatedCallRefusal unavailable) {
            // The approver did nothing wrong: the link works again (a decision that arrived late is not taken twice).
            spentLinks.release(link.linkId());
            record(id, link.approver(), link.action(), "unavailable", unavailable.getMessage());
            Page.send(ctx, 503, "Your decision could not be delivered", Page.paragraph(unavailable.getMessage() + ".")
                    + Page.note("The link still works: open it again in a minute.") + web(id));
        }
    }

    /** The link's claims when it is ours, unexpired and for this approval; otherwise answers (and records) why not. */
    private Optional<LinkClaims> trusted(Context ctx, String id, String token, String action) {
        String nothing = " Nothing was decided.";
        switch (links.verify(token, clock.instant())) {
            case LinkCheck.Valid valid when valid.claims().approvalId().equals(id) -> {
                return Optional.of(valid.claims());
            }
            case LinkCheck.Valid valid -> {
                LinkClaims claims = valid.claims();
                record(id, claims.approver(), actionOf(action, claims), "foreign", "the link is for approval " + claims.approvalId());
                Page.send(ctx, 400, "This link is for another approval", Page.paragraph("The link was made for approval "
                        + claims.approvalId() + ", not for approval " + id + "." + nothing));
            }
            case LinkCheck.Expired expired -> {
                LinkClaims claims = expired.claims();
                record(claims.approvalId(), claims.approver(), actionOf(action, claims), "expired",
                        "expired at " + claims.expiry());
                Page.send(ctx, 410, "This link has expired", Page.paragraph("The link stopped working at "
                        + Page.time(claims.expiry()) + ", the approval's deadline." + nothing));
            }
            case LinkCheck.Tampered tampered -> {
                record(null, UNVERIFIED, action, "tampered", "a link for approval " + id + " whose signature does not match");
                Page.send(ctx, 400, "This link is not valid", Page.paragraph("The link's signature does not match: it was"
                        + " changed, or it was not made by this Gatehouse." + nothing));
            }
            case LinkCheck.Malformed malformed -> {
                record(null, UNVERIFIED, action, "malformed", "a link for approval " + id + ": " + malformed.why());
                Page.send(ctx, 400, "This link is not complete", Page.paragraph("The link is cut short or was changed ("
                        + malformed.why() + "). Open it again from the mail, in full." + nothing));
            }
        }
        return Optional.empty();
    }

    private String confirmation(ApprovalRecord approval, LinkClaims link, String token) {
        boolean approve = link.verdict() == DecisionSummary.Verdict.APPROVE;
        String reason = approve ? "" : "<p><label for=\"reason\">Reason (optional, shown to the requester and the other"
                + " approvers)</label><br><textarea id=\"reason\" name=\"reason\" maxlength=\"" + MAX_REASON + "\"></textarea></p>\n";
        // A relative action: it posts back to this very path, whatever prefix a proxy puts in front of it.
        return Page.paragraph("You are deciding as " + link.approver() + ".")
                + Page.details(approval)
                + "<form method=\"post\" action=\"" + Page.escape(URLEncoder.encode(approval.id(), StandardCharsets.UTF_8)) + "\">\n"
                + "<input type=\"hidden\" name=\"t\" value=\"" + Page.escape(token) + "\">\n" + reason
                + "<p><button type=\"submit\" class=\"" + (approve ? "approve" : "deny") + "\">" + (approve ? "Approve" : "Deny")
                + "</button></p>\n</form>\n"
                + Page.note("Nothing is decided until you press the button. The link works once, only for you.");
    }

    private void used(Context ctx, LinkClaims link, String action, Instant at) {
        record(link.approvalId(), link.approver(), action, "used", "used at " + at);
        Page.send(ctx, 410, "This link was already used", Page.paragraph("This link was already used at " + Page.time(at)
                + ". Each link works once; nothing was changed.") + web(link.approvalId()));
    }

    private void unknown(Context ctx, LinkClaims link, String action) {
        record(link.approvalId(), link.approver(), action, "unknown", "no such approval");
        Page.send(ctx, 404, "No such approval", Page.paragraph("Gatehouse has no approval " + link.approvalId()
                + ". Nothing was decided."));
    }

    private String web(String approvalId) {
        String url = urls.approval(approvalId).toString();
        return "<p><a href=\"" + Page.escape(url) + "\">See the approval in Gatehouse</a></p>\n";
    }

    private void record(String approvalId, String actor, String action, String outcome, String detail) {
        attempts.record(DecisionAttempt.now(CHANNEL, approvalId, actor, action, outcome, detail));
    }

    /** A POST's action is what its (signed) link decides; a GET's is opening. */
    private static String actionOf(String action, LinkClaims claims) {
        return action.equals("open") ? action : claims.action();
    }

    /** These routes answer in HTML, also when PostgreSQL is down or something unexpected fails. */
    private static Handler guarded(Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (ConnectionException e) {
                log.warn("{} {}: the database cannot be reached: {}", ctx.method(), ctx.path(), e.getMessage());
                Page.send(ctx, 503, "Try again shortly", Page.paragraph("Gatehouse cannot reach its database right now,"
                        + " so nothing was decided. Try the link again in a minute."));
            } catch (RuntimeException e) {
                log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                Page.send(ctx, 500, "Something went wrong", Page.paragraph("Gatehouse could not handle this link;"
                        + " the broker's log says why. Nothing was decided unless the approval shows your decision."));
            }
        };
    }
}
