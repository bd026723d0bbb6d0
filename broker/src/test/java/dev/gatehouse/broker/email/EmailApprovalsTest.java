package dev.gatehouse.broker.email;

import dev.gatehouse.broker.config.ChannelSettings;
import dev.gatehouse.notifier.ApprovalLinks;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmailApprovalsTest {

    private static final String PAYLOAD_KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final ApprovalLinks LINKS = new ApprovalLinks(URI.create("https://gatehouse.example.com"));

    @Test
    void derivesAStableLinkKeyOfItsOwnFromThePayloadKey() {
        byte[] derived = EmailApprovals.linkKey(null, PAYLOAD_KEY);

        assertThat(derived).hasSize(32).isEqualTo(EmailApprovals.linkKey(null, PAYLOAD_KEY)).isNotEqualTo(new byte[32]);
        assertThat(EmailApprovals.linkKey(null, Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}))).isNotEqualTo(derived);
    }

    @Test
    void usesTheConfiguredLinkKeyWhenThereIsOne() {
        byte[] key = new byte[48];
        key[0] = 9;

        assertThat(EmailApprovals.linkKey(Base64.getEncoder().encodeToString(key), PAYLOAD_KEY)).isEqualTo(key);
    }

    @Test
    void refusesALinkKeyThatIsShortOrNotBase64WithoutShowingIt() {
        assertThatThrownBy(() -> EmailApprovals.linkKey(Base64.getEncoder().encodeToString(new byte[16]), PAYLOAD_KEY))
                .hasMessage("channels.email.linkKey must be at least 32 random bytes in base64 (generate one with: openssl rand -base64 32)");
        assertThatThrownBy(() -> EmailApprovals.linkKey("not base64 at all!", PAYLOAD_KEY))
                .hasMessage("channels.email.linkKey is not base64 (standard or URL-safe)");
    }

    @Test
    void namesTheChannelWhenTheMailServerUrlIsUnusable() {
        ChannelSettings.Email settings = new ChannelSettings.Email("smtp://", "gatehouse@example.com", null, null, true, null);

        assertThatThrownBy(() -> EmailApprovals.create(settings, LINKS, PAYLOAD_KEY))
                .hasMessageStartingWith("channels.email: ");
    }

    @Test
    void offersTheEmailChannel() {
        EmailApprovals email = EmailApprovals.create(new ChannelSettings.Email("smtp://127.0.0.1:2525", "gatehouse@example.com", null, null,
                false, null), LINKS, PAYLOAD_KEY);

        assertThat(email.channel().name()).isEqualTo("email");
    }
}
