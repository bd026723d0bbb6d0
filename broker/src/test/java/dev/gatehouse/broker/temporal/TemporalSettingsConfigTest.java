package dev.gatehouse.broker.temporal;

import dev.gatehouse.broker.config.ConfigException;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.ConfigProblem;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.workflows.codec.PayloadKey;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How {@code gatehouse.yaml} hands the payload key over: required with a temporal section, refused when malformed, never shown. */
class TemporalSettingsConfigTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String SHORT = Base64.getEncoder().encodeToString(new byte[16]);

    private static final ConfigLoader LOADER = new ConfigLoader(Map.of("GATEHOUSE_PAYLOAD_KEY", KEY, "SHORT_KEY", SHORT)::get);

    private static GatehouseConfig parse(String yaml) {
        return LOADER.parse("gatehouse.yaml", yaml, Path.of("."));
    }

    private static ConfigProblem onlyProblem(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            assertThat(e.problems()).hasSize(1);
            return e.problems().getFirst();
        }
        throw new AssertionError("expected a ConfigException");
    }

    @Test
    void readsTheKeyFromTheEnvironment() {
        GatehouseConfig config = parse("""
                temporal:
                  target: temporal:7233
                  payloadKey: "${env:GATEHOUSE_PAYLOAD_KEY}"
                """);
        PayloadKey key = config.temporal().encryptionKey().orElseThrow();
        assertThat(key).isEqualTo(PayloadKey.parse(KEY));
        assertThat(config.temporal().toString())
                .isEqualTo("TemporalSettings[target=temporal:7233, namespace=default, taskQueue=gatehouse, payloadKey="
                        + key.fingerprint() + "]")
                .doesNotContain(KEY);
    }

    @Test
    void readsPreviousKeysTlsAndAnApiKeyAndShowsNoneOfThem() {
        GatehouseConfig config = parse("""
                temporal:
                  target: tenant.tmprl.cloud:7233
                  payloadKey: "${env:GATEHOUSE_PAYLOAD_KEY}"
                  previousPayloadKeys: ["%s"]
                  tls: { serverName: tenant.tmprl.cloud }
                  apiKey: api-s3cret
                """.formatted(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32})));
        assertThat(config.temporal().decryptionOnlyKeys()).hasSize(1);
        assertThat(config.temporal().usesTls()).isTrue();
        assertThat(config.temporal().toString()).contains("previousPayloadKeys=[", "tls[no client certificate, serverName="
                + "tenant.tmprl.cloud]", "apiKey=***").doesNotContain("api-s3cret");
    }

    @Test
    void refusesABadPreviousKeyAndHalfAClientIdentityAtTheirKeys() {
        ConfigProblem badKey = onlyProblem("""
                temporal:
                  target: temporal:7233
                  payloadKey: "${env:GATEHOUSE_PAYLOAD_KEY}"
                  previousPayloadKeys: ["${env:SHORT_KEY}"]
                """);
        assertThat(badKey.key()).startsWith("temporal.previousPayloadKeys");
        assertThat(badKey.toString()).contains("decodes to 16 bytes").doesNotContain(SHORT);

        ConfigProblem halfIdentity = onlyProblem("""
                temporal:
                  target: temporal:7233
                  payloadKey: "${env:GATEHOUSE_PAYLOAD_KEY}"
                  tls:
                    clientCert: "-----BEGIN CERTIFICATE-----"
                """);
        assertThat(halfIdentity.key()).startsWith("temporal.tls");
        assertThat(halfIdentity.message()).isEqualTo("a client identity needs both clientCert and clientKey (for mTLS), or neither");
    }

    @Test
    void refusesATemporalSectionWithoutAKey() {
        ConfigProblem problem = onlyProblem("""
                server:
                  port: 8080
                temporal:
                  target: temporal:7233
                """);
        assertThat(problem.toString()).isEqualTo("gatehouse.yaml:3: temporal.payloadKey: is required (every Temporal payload"
                + " is encrypted with it); generate one with: openssl rand -base64 32 and pass it in as \"${env:GATEHOUSE_PAYLOAD_KEY}\"");
    }

    @Test
    void refusesAKeyThatIsNotBase64WithoutShowingIt() {
        ConfigProblem problem = onlyProblem("""
                temporal:
                  target: temporal:7233
                  payloadKey: "hunter2 is my password!"
                """);
        assertThat(problem.toString()).isEqualTo("gatehouse.yaml:3: temporal.payloadKey: is not base64 (standard or URL-safe);"
                + " it must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)");
    }

    @Test
    void refusesAKeyOfTheWrongLengthWithoutShowingIt() {
        ConfigProblem problem = onlyProblem("""
                temporal:
                  target: temporal:7233
                  payloadKey: "${env:SHORT_KEY}"
                """);
        assertThat(problem.toString()).isEqualTo("gatehouse.yaml:3: temporal.payloadKey: decodes to 16 bytes; AES-256 needs"
                + " exactly 32 (generate one with: openssl rand -base64 32)");
        assertThat(problem.toString()).doesNotContain(SHORT);
    }

    @Test
    void needsNoKeyWithoutATemporalSection() {
        // Dev mode's files: it embeds Temporal and generates a key per run.
        assertThat(parse("server:\n  port: 8080\n").temporal()).isNull();
    }

    @Test
    void aKeyWhoseVariableIsUnsetNamesTheVariable() {
        assertThatThrownBy(() -> new ConfigLoader(Map.<String, String>of()::get).parse("gatehouse.yaml", """
                temporal:
                  target: temporal:7233
                  payloadKey: "${env:GATEHOUSE_PAYLOAD_KEY}"
                """, Path.of(".")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("gatehouse.yaml:3: temporal.payloadKey: environment variable GATEHOUSE_PAYLOAD_KEY is not set");
    }
}
