package dev.gatehouse.notifier.email;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * Sends mail over SMTP with Jakarta Mail. A batch travels over one connection. Thread-safe: the
 * session is shared, each batch opens its own transport.
 */
final class SmtpMailer {

    /** A mail server that stops answering must not hold a notify activity for long; Temporal retries it. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final SmtpSettings settings;
    private final Session session;
    private final InternetAddress from;

    SmtpMailer(SmtpSettings settings) {
        this.settings = settings;
        this.session = Session.getInstance(properties(settings));
        try {
            this.from = new InternetAddress(settings.from(), true);
        } catch (MessagingException e) {
            throw new IllegalArgumentException("the sender '" + settings.from() + "' is not an e-mail address: " + e.getMessage(), e);
        }
    }

    static Properties properties(SmtpSettings settings) {
        Properties props = new Properties();
        props.setProperty("mail.transport.protocol", "smtp");
        props.setProperty("mail.smtp.host", settings.host());
        props.setProperty("mail.smtp.port", Integer.toString(settings.port()));
        props.setProperty("mail.smtp.from", settings.from());
        String millis = Long.toString(TIMEOUT.toMillis());
        props.setProperty("mail.smtp.connectiontimeout", millis);
        props.setProperty("mail.smtp.timeout", millis);
        props.setProperty("mail.smtp.writetimeout", millis);
        if (settings.ssl()) {
            props.setProperty("mail.smtp.ssl.enable", "true");
        }
        if (settings.startTls()) {
            // Required, not merely enabled: a server (or a man in the middle) that does not offer STARTTLS must not
            // get credentials and decision links in clear.
            props.setProperty("mail.smtp.starttls.enable", "true");
            props.setProperty("mail.smtp.starttls.required", "true");
        }
        if (settings.ssl() || settings.startTls()) {
            props.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        }
        props.setProperty("mail.smtp.auth", Boolean.toString(settings.username() != null));
        return props;
    }

    /** A message for this server's session, with the configured sender. */
    MimeMessage draft(String messageId) throws MessagingException {
        MimeMessage message = new IdentifiedMessage(session, messageId);
        message.setFrom(from);
        return message;
    }

    void send(List<MimeMessage> messages) throws MessagingException {
        try (Transport transport = session.getTransport()) {
            transport.connect(settings.host(), settings.port(), settings.username(), settings.password());
            for (MimeMessage message : messages) {
                message.saveChanges();
                transport.sendMessage(message, message.getAllRecipients());
            }
        }
    }

    String server() {
        return settings.server();
    }

    /** Keeps the Message-ID we chose, which replies and follow-ups refer to, instead of a generated one. */
    private static final class IdentifiedMessage extends MimeMessage {

        private final String messageId;

        IdentifiedMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }
}
