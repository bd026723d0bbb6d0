package dev.gatehouse.broker.config;

/** Approval channels; each is optional. Secrets are never shown by {@code toString()}. */
public record ChannelSettings(Slack slack, Email email) {

    public static ChannelSettings none() {
        return new ChannelSettings(null, null);
    }

    /** Slack: {@code apiUrl} defaults to {@code https://slack.com/api/} (GovSlack and compatible endpoints differ). */
    public record Slack(String botToken, String signingSecret, String appToken, HttpUrl apiUrl) {
        public Slack {
            if (botToken == null || signingSecret == null) {
                throw new IllegalArgumentException("botToken and signingSecret are required");
            }
            apiUrl = apiUrl == null ? HttpUrl.parse("https://slack.com/api/") : apiUrl;
        }

        @Override
        public String toString() {
            return "Slack[apiUrl=" + apiUrl + "]";
        }
    }

    /** E-mail over SMTP: {@code smtp} is an {@code smtp://} or {@code smtps://} URL. */
    public record Email(String smtp, String from, String username, String password, Boolean startTls) {
        public Email {
            if (smtp == null || !(smtp.startsWith("smtp://") || smtp.startsWith("smtps://"))) {
                throw new IllegalArgumentException("smtp must be an smtp:// or smtps:// URL");
            }
            if (from == null || !from.contains("@")) {
                throw new IllegalArgumentException("from must be an e-mail address");
            }
            startTls = startTls == null || startTls;
        }

        @Override
        public String toString() {
            return "Email[smtp=" + smtp.replaceAll("//[^@/]*@", "//***@") + ", from=" + from + "]";
        }
    }
}
