package dev.gatehouse.workflows.codec;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PayloadKeyTest {

    private static final byte[] BYTES = HexFormat.of().parseHex("fbffbf".repeat(10) + "fbff");

    @Test
    void parsesStandardBase64AsOpensslWritesIt() throws Exception {
        String openssl = Base64.getEncoder().encodeToString(BYTES) + "\n";
        PayloadKey key = PayloadKey.parse(openssl);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BYTES));
        assertThat(key.fingerprint()).isEqualTo(sha256.substring(0, 16));
    }

    @Test
    void parsesUrlSafeBase64WithOrWithoutPadding() {
        String standard = Base64.getEncoder().encodeToString(BYTES);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(BYTES);
        assertThat(standard).contains("+", "/");
        assertThat(urlSafe).contains("-", "_");
        assertThat(PayloadKey.parse(urlSafe)).isEqualTo(PayloadKey.parse(standard));
        assertThat(PayloadKey.parse(Base64.getUrlEncoder().encodeToString(BYTES))).isEqualTo(PayloadKey.parse(standard));
    }

    @Test
    void refusesAnEmptyValue() {
        assertThatThrownBy(() -> PayloadKey.parse("  ", "payloadKey"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("payloadKey is empty; it must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)");
        assertThatThrownBy(() -> PayloadKey.parse(null))
                .hasMessage("payload key is empty; it must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)");
    }

    @Test
    void refusesTextThatIsNotBase64WithoutEchoingIt() {
        String notBase64 = "correct horse battery staple!";
        assertThatThrownBy(() -> PayloadKey.parse(notBase64, "payloadKey"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("payloadKey is not base64 (standard or URL-safe); it must be 32 random bytes in base64"
                        + " (generate one with: openssl rand -base64 32)")
                .hasNoCause();
    }

    @Test
    void refusesAKeyOfTheWrongLengthSayingTheLengthFound() {
        String sixteen = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> PayloadKey.parse(sixteen, "payloadKey"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("payloadKey decodes to 16 bytes; AES-256 needs exactly 32 (generate one with: openssl rand -base64 32)");
    }

    @Test
    void generatesDistinctKeys() {
        assertThat(PayloadKey.generate()).isNotEqualTo(PayloadKey.generate());
        assertThat(PayloadKey.generate().fingerprint()).matches("[0-9a-f]{16}");
    }

    @Test
    void neverShowsTheKeyInToString() {
        PayloadKey key = PayloadKey.parse(Base64.getEncoder().encodeToString(BYTES));
        assertThat(key.toString())
                .isEqualTo("PayloadKey[fingerprint=" + key.fingerprint() + "]")
                .doesNotContain(Base64.getEncoder().encodeToString(BYTES))
                .doesNotContain(HexFormat.of().formatHex(BYTES));
    }
}
