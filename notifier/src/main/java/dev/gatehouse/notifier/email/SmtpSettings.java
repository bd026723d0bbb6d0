package dev.gatehouse.notifier.email;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * Where and how mail is sent. {@code ssl} is SMTPS (TLS from the first byte); otherwise {@code startTls}
 * requires the connection to be upgraded before anything (credentials, decision links) is sent.
 * {@code username} and {@code password} are both null when the server takes mail without logging in.
 * {@link #toString()} never shows the password.
 */
public record SmtpSettings(String host, int port, boolean ssl, boolean startTls, String username, String password, String from) {

    public SmtpSettings {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("the SMTP host cannot be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the SMTP port must be between 1 and 65535, not " + port);
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("an SMTP username and password go together");
        }
        Objects.requireNonNull(from, "from");
        if (!from.contains("@")) {
            throw new IllegalArgumentException("the sender must be an e-mail address, not '" + from + "'");
        }
    }

    /**
     * Settings from an {@code smtp://host[:port]} or {@code smtps://host[:port]} URL (ports 25 and 465 when
     * absent). Credentials given apart win over a {@code user:password@} in the URL.
     */
    public static SmtpSettings of(String url, String from, String username, String password, boolean startTls) {
        URI uri;
        try {
            uri = URI.create(Objects.requireNonNull(url, "url"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the SMTP URL is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean ssl = switch (scheme) {
            case "smtp" -> false;
            case "smtps" -> true;
            default -> throw new IllegalArgumentException("the SMTP URL must start with smtp:// or smtps://");
        };
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("the SMTP URL names no host");
        }
        int port = uri.getPort() == -1 ? (ssl ? 465 : 25) : uri.getPort();
        String user = username;
        String secret = password;
        if (user == null && uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            secret = parts.length == 2 ? decode(parts[1]) : "";
        }
        return new SmtpSettings(uri.getHost(), port, ssl, startTls && !ssl, user, secret, from);
    }

    /** How log lines and errors name the server: never with credentials. */
    public String server() {
        return (ssl ? "smtps://" : "smtp://") + host + ":" + port;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "SmtpSettings[" + server() + (startTls ? ", STARTTLS" : "") + (username == null ? "" : ", user " + username)
                + ", from " + from + "]";
    }
}
