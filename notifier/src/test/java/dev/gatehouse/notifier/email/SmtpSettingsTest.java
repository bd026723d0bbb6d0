package dev.gatehouse.notifier.email;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SmtpSettingsTest {

    @Test
    void readsPlainSmtpWithStartTlsRequired() {
        SmtpSettings settings = SmtpSettings.of("smtp://mail.example.com:587", "gatehouse@example.com", "gh", "s3cret", true);

        assertThat(settings).isEqualTo(new SmtpSettings("mail.example.com", 587, false, true, "gh", "s3cret", "gatehouse@example.com"));
        Properties props = SmtpMailer.properties(settings);
        assertThat(props.getProperty("mail.smtp.starttls.enable")).isEqualTo("true");
        assertThat(props.getProperty("mail.smtp.starttls.required")).isEqualTo("true");
        assertThat(props.getProperty("mail.smtp.ssl.checkserveridentity")).isEqualTo("true");
        assertThat(props.getProperty("mail.smtp.auth")).isEqualTo("true");
        assertThat(props.getProperty("mail.smtp.connectiontimeout")).isEqualTo("10000");
        assertThat(props.getProperty("mail.smtp.timeout")).isEqualTo("10000");
        assertThat(props.getProperty("mail.smtp.writetimeout")).isEqualTo("10000");
        assertThat(props.getProperty("mail.smtp.ssl.enable")).isNull();
    }

    @Test
    void readsSmtpsAsTlsFromTheFirstByteWithoutStartTls() {
        SmtpSettings settings = SmtpSettings.of("smtps://mail.example.com", "gatehouse@example.com", null, null, true);

        assertThat(settings.port()).isEqualTo(465);
        assertThat(settings.ssl()).isTrue();
        assertThat(settings.startTls()).isFalse();
        Properties props = SmtpMailer.properties(settings);
        assertThat(props.getProperty("mail.smtp.ssl.enable")).isEqualTo("true");
        assertThat(props.getProperty("mail.smtp.starttls.enable")).isNull();
        assertThat(props.getProperty("mail.smtp.auth")).isEqualTo("false");
    }

    @Test
    void takesCredentialsFromTheUrlWhenNotGivenApart() {
        SmtpSettings settings = SmtpSettings.of("smtp://gh%40example.com:p%3Ass@mail.example.com", "gatehouse@example.com", null, null, false);

        assertThat(settings.username()).isEqualTo("gh@example.com");
        assertThat(settings.password()).isEqualTo("p:ss");
        assertThat(settings.port()).isEqualTo(25);
        assertThat(settings.toString()).doesNotContain("p:ss").isEqualTo(
                "SmtpSettings[smtp://mail.example.com:25, user gh@example.com, from gatehouse@example.com]");
    }

    @Test
    void refusesWhatIsNotAnSmtpUrl() {
        assertThatThrownBy(() -> SmtpSettings.of("http://mail.example.com", "a@b", null, null, true))
                .hasMessage("the SMTP URL must start with smtp:// or smtps://");
        assertThatThrownBy(() -> SmtpSettings.of("smtp:mail", "a@b", null, null, true))
                .hasMessage("the SMTP URL names no host");
        assertThatThrownBy(() -> SmtpSettings.of("smtp://mail.example.com", "gatehouse", null, null, true))
                .hasMessage("the sender must be an e-mail address, not 'gatehouse'");
    }
}
