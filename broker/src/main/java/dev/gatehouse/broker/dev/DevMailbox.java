package dev.gatehouse.broker.dev;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.gatehouse.broker.http.RouteGroup;
import dev.gatehouse.notifier.email.Html;
import io.javalin.http.Context;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Dev mode's mail catcher: an SMTP server on the loopback interface that keeps every mail in memory,
 * and the pages that list and show them ({@code /dev/mail}), so approval links can be clicked without
 * a mail server. Gone on close. Thread-safe.
 */
public final class DevMailbox implements AutoCloseable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final GreenMail smtp;

    private DevMailbox(GreenMail smtp) {
        this.smtp = smtp;
    }

    /** Starts the catcher on 127.0.0.1 and a free port. */
    public static DevMailbox start() {
        // Port 0: GreenMail binds a free port itself, so no other process can take it between picking and binding.
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        return new DevMailbox(smtp);
    }

    /** Where to send mail: {@code smtp://127.0.0.1:<port>}. */
    public String smtpUrl() {
        return "smtp://127.0.0.1:" + smtp.getSmtp().getPort();
    }

    /** {@code GET /dev/mail} (newest first) and {@code GET /dev/mail/{n}} (one mail). */
    public RouteGroup pages() {
        return routes -> {
            routes.get("/dev/mail", this::list);
            routes.get("/dev/mail/{n}", this::show);
        };
    }

    /** Every mail caught so far, oldest first: a mail's position here is its number on the pages. */
    List<CaughtMail> caught() {
        MimeMessage[] received = smtp.getReceivedMessages();
        List<CaughtMail> mails = new ArrayList<>();
        for (int i = 0; i < received.length; i++) {
            mails.add(CaughtMail.of(i, received[i]));
        }
        // GreenMail lists mail by mailbox; the pages list it by when it came.
        mails.sort(Comparator.comparing(CaughtMail::received).thenComparing(CaughtMail::number));
        return mails;
    }

    private void list(Context ctx) {
        List<CaughtMail> mails = caught().reversed();
        String rows = mails.stream().map(mail -> "<tr><td>" + escape(TIME.format(mail.received())) + "</td><td>" + escape(mail.to())
                        + "</td><td><a href=\"mail/" + mail.number() + "\">" + escape(mail.subject()) + "</a></td></tr>")
                .collect(Collectors.joining("\n"));
        String body = mails.isEmpty()
                ? "<p>No mail yet. Gated calls whose approver groups have <code>email: true</code> send mail here.</p>"
                : "<table><thead><tr><th>Received</th><th>To</th><th>Subject</th></tr></thead><tbody>\n" + rows + "\n</tbody></table>";
        ctx.header("Cache-Control", "no-store").html("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Caught mail · Gatehouse dev</title><style>body{font-family:system-ui,sans-serif;margin:2rem}"
                + "td,th{text-align:left;padding:.25rem 1rem .25rem 0}</style></head><body><h1>Caught mail</h1>"
                + "<p>Mail the dev stack sent, newest first. Nothing here left this machine.</p>\n" + body + "\n</body></html>\n");
    }

    private void show(Context ctx) {
        MimeMessage[] received = smtp.getReceivedMessages();
        int n;
        try {
            n = Integer.parseInt(ctx.pathParam("n"));
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n >= received.length) {
            ctx.status(404).html("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>No such mail</title></head>"
                    + "<body><h1>No such mail</h1><p><a href=\"../mail\">All caught mail</a></p></body></html>\n");
            return;
        }
        // Our own mail, shown as it is; sandboxed all the same, since anything on this machine may send mail here.
        ctx.header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "sandbox allow-popups allow-top-navigation-by-user-activation allow-forms;"
                        + " default-src 'none'; style-src 'unsafe-inline'; img-src data:")
                .html(MailView.html(received[n]));
    }

    @Override
    public void close() {
        smtp.stop();
    }

    static String escape(String value) {
        return Html.escape(value);
    }

    /** One caught mail as the list shows it. */
    record CaughtMail(int number, Instant received, String to, String subject) {

        static CaughtMail of(int number, MimeMessage message) {
            try {
                Address[] to = message.getAllRecipients();
                Date sent = message.getSentDate();
                return new CaughtMail(number, sent == null ? Instant.EPOCH : sent.toInstant(),
                        to == null ? "" : Arrays.stream(to).map(Address::toString).collect(Collectors.joining(", ")),
                        message.getSubject() == null ? "(no subject)" : message.getSubject());
            } catch (MessagingException e) {
                return new CaughtMail(number, Instant.EPOCH, "", "(unreadable: " + e.getMessage() + ")");
            }
        }
    }

    /** How one caught mail is shown. */
    private static final class MailView {

        private MailView() {
        }

        /** The HTML part as it is, or the plain part in {@code <pre>}, or what the mail is when it is neither. */
        static String html(MimeMessage message) {
            try {
                Object content = message.getContent();
                if (content instanceof Multipart parts) {
                    String plain = null;
                    for (int i = 0; i < parts.getCount(); i++) {
                        BodyPart part = parts.getBodyPart(i);
                        if (part.isMimeType("text/html")) {
                            return (String) part.getContent();
                        }
                        if (part.isMimeType("text/plain") && plain == null) {
                            plain = (String) part.getContent();
                        }
                    }
                    return plain == null ? pre("(no text part)") : pre(plain);
                }
                if (message.isMimeType("text/html")) {
                    return (String) content;
                }
                return pre(String.valueOf(content));
            } catch (MessagingException | IOException e) {
                return pre("(cannot read this mail: " + e.getMessage() + ")");
            }
        }

        private static String pre(String text) {
            return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Caught mail</title></head><body><pre>"
                    + escape(text) + "</pre></body></html>\n";
        }
    }
}
