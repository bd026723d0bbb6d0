package dev.gatehouse.broker.config;

/** Approval channels; each is optional. Secrets are never shown by {@code toString()}. */
public record ChannelSettings(Slack slack, Email email) {

    public static ChannelSettings none() {
        return new ChannelSettings(null, null);
    }

    /**
     * Slack: {@code apiUrl} defaults to {@code https://slack.com/api/} (GovSlack and compatible endpoints differ).
     *
     * @param users Slack user id to approver e-mail, for people whose Slack profile e-mail is not the one the
     *              approver groups list (otherwise the profile's e-mail, read with {@code users.info}, is used)
     */
    public record Slack(String botToken, String signingSecret, String appToken, HttpUrl apiUrl, java.util.Map<String, String> users) {
        public Slack {
            if (botToken == null || botToken.isBlank() || signingSecret == null || signingSecret.isBlank()) {
                throw new IllegalArgumentException("botToken and signingSecret are required");
            }
            apiUrl = apiUrl == null ? HttpUrl.parse("https://slack.com/api/") : apiUrl;
            users = users == null ? java.util.Map.of() : java.util.Map.copyOf(users);
        }

        @Override
        public String toString() {
            return "Slack[apiUrl=" + apiUrl + "]";
        }
    }

    /**
     * E-mail over SMTP: {@code smtp} is an {@code smtp://host:port} or {@code smtps://host:port} URL.
     *
     * @param startTls whether a plain {@code smtp://} connection must be upgraded with STARTTLS (default true:
     *                 credentials and decision links never cross the network in clear)
     * @param linkKey  the key that signs decision links (base64, 32 bytes or more); when absent one is derived from
     *                 {@code temporal.payloadKey}, so links stay valid across restarts and replicas
     */
    public record Email(String smtp, String from, String username, String password, Boolean startTls, String linkKey) {
        public Email {
            if (smtp == null || !(smtp.startsWith("smtp://") || smtp.startsWith("smtps://"))) {
                throw new IllegalArgumentException("smtp must be an smtp:// or smtps:// URL");
            }
            if (from == null || !from.contains("@")) {
                throw new IllegalArgumentException("from must be an e-mail address");
            }
            startTls = startTls == null || startTls;
            if ((username == null) != (password == null)) {
                throw new IllegalArgumentException("username and password go together");
            }
        }

        @Override
        public String toString() {
            return "Email[smtp=" + smtp.replaceAll("//[^@/]*@", "//***@") + ", from=" + from + "]";
        }
    }
}
