package dev.gatehouse.broker.testing;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A mail a test's SMTP server caught, read the way an approver's mail client would. */
public record CaughtMail(MimeMessage message, String to, String subject, String text, String html) {

    private static final Pattern LINK = Pattern.compile("^(Approve|Deny): (\\S+)$", Pattern.MULTILINE);

    /** Waits for the first mail to {@code to} whose subject is {@code subject}. */
    public static CaughtMail await(GreenMail smtp, String to, String subject, Duration patience) {
        return Poll.until("a mail to " + to + ": " + subject, patience, () -> Arrays.stream(smtp.getReceivedMessages())
                .map(CaughtMail::of)
                .filter(mail -> mail.to().equals(to) && mail.subject().equals(subject))
                .findFirst());
    }

    public static CaughtMail of(MimeMessage message) {
        try {
            return new CaughtMail(message, message.getAllRecipients()[0].toString(), message.getSubject(), part(message, "text/plain"),
                    part(message, "text/html"));
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Approve or Deny link of the plain part. */
    public URI link(String label) {
        Matcher found = LINK.matcher(text);
        while (found.find()) {
            if (found.group(1).equals(label)) {
                return URI.create(found.group(2));
            }
        }
        throw new AssertionError("no " + label + " link in: " + text);
    }

    public static String token(URI link) {
        String query = link.getRawQuery();
        return URLDecoder.decode(query.substring(query.indexOf("t=") + 2), StandardCharsets.UTF_8);
    }

    /** The approval id a decision link's path names. */
    public static String approvalId(URI link) {
        String path = link.getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    public Optional<String> header(String name) {
        try {
            return Optional.ofNullable(message.getHeader(name, null));
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String part(MimeMessage message, String type) throws MessagingException, IOException {
        MimeMultipart parts = (MimeMultipart) message.getContent();
        for (int i = 0; i < parts.getCount(); i++) {
            BodyPart part = parts.getBodyPart(i);
            if (part.isMimeType(type)) {
                return (String) part.getContent();
            }
        }
        throw new AssertionError("no " + type + " part in the mail '" + message.getSubject() + "'");
    }
}
