package dev.gatehouse.notifier.email;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One announcement mail as the channel's handle remembers it: its Message-ID and the member it went to.
 * A reply (a reminder threaded under an earlier mail) needs no follow-up of its own: the follow-up to the
 * mail it replies to reaches the same member.
 *
 * <p>A handle is one line per mail, {@code m <message-id> <address>} or {@code r <message-id> <address>}:
 * plain text that the notice ledger stores and gives back to {@link EmailChannel#settle}.
 */
record SentMail(String messageId, String member, boolean reply) {

    SentMail {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(member, "member");
        if (messageId.isBlank() || messageId.contains(" ") || member.isBlank() || member.contains(" ")) {
            throw new IllegalArgumentException("a sent mail needs a message id and an address without spaces");
        }
    }

    static String handle(List<SentMail> mails) {
        StringBuilder out = new StringBuilder();
        for (SentMail mail : mails) {
            out.append(mail.reply ? "r " : "m ").append(mail.messageId).append(' ').append(mail.member).append('\n');
        }
        return out.toString();
    }

    /** The mails a handle names; lines it cannot read (a handle of another format) are skipped. */
    static List<SentMail> parse(String handle) {
        List<SentMail> mails = new ArrayList<>();
        if (handle == null) {
            return mails;
        }
        for (String line : handle.split("\n")) {
            String[] parts = line.strip().split(" ");
            if (parts.length == 3 && (parts[0].equals("m") || parts[0].equals("r")) && parts[1].startsWith("<")) {
                mails.add(new SentMail(parts[1], parts[2], parts[0].equals("r")));
            }
        }
        return mails;
    }

    /** True when this mail went to {@code address} (addresses compare case-insensitively). */
    boolean wentTo(String address) {
        return member.toLowerCase(Locale.ROOT).equals(address.toLowerCase(Locale.ROOT));
    }
}
