package dev.gatehouse.notifier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one line per announcement and per settlement to the log. It reaches every group: in dev
 * mode, and wherever no other channel is configured, the log is how an operator sees that a call
 * waits. Only the masked argument preview is logged, shortened. Thread-safe.
 */
public final class LogChannel implements ApprovalChannel {

    public static final String NAME = "log";

    /** A preview is for a glance; the inbox shows all of it. */
    static final int PREVIEW_CHARS = 300;

    private static final Logger log = LoggerFactory.getLogger(LogChannel.class);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean serves(NotifiedGroup group) {
        return true;
    }

    @Override
    public String announce(Announcement announcement) {
        CallSummary call = announcement.call();
        log.info("approval {} ({}) for group {}: {} asks to run {} {} on {}; policy '{}' needs {} approval{} by {}; arguments {}",
                call.approvalId(), announcement.kind().name().toLowerCase(java.util.Locale.ROOT), announcement.group().name(),
                call.requester(), call.method(), call.target(), call.upstream(), call.policy(), call.required(),
                call.required() == 1 ? "" : "s", call.deadline(), shortened(call.argsPreview()));
        return call.approvalId() + "/" + announcement.group().name();
    }

    @Override
    public void settle(String handle, Settlement settlement) {
        CallSummary call = settlement.call();
        log.info("approval {} ({} {} on {} by {}) is {}{} [announced as {}]", call.approvalId(), call.method(), call.target(),
                call.upstream(), call.requester(), settlement.outcome().name().toLowerCase(java.util.Locale.ROOT),
                settlement.detail().isEmpty() ? "" : ": " + settlement.detail(), handle);
    }

    static String shortened(String text) {
        return text.length() <= PREVIEW_CHARS ? text : text.substring(0, PREVIEW_CHARS) + "…";
    }
}
