package dev.gatehouse.broker.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    private final ConfigLoader loader = new ConfigLoader(Map.of("CRM_TOKEN", "s3cr3t-token")::get);

    private GatehouseConfig parse(String yaml) {
        return loader.parse("gatehouse.yaml", yaml, Path.of("."));
    }

    private ConfigProblem onlyProblem(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            assertThat(e.problems()).hasSize(1);
            return e.problems().getFirst();
        }
        throw new AssertionError("expected a ConfigException");
    }

    @Test
    void readsTheDocumentedShape() {
        GatehouseConfig config = parse("""
                server:
                  port: 9090
                  publicUrl: https://gatehouse.example.com
                upstreams:
                  - name: crm
                    url: https://crm-mcp.internal/mcp
                    headers:
                      Authorization: "Bearer ${env:CRM_TOKEN}"
                    timeout: 90s
                approvers:
                  dba:
                    members: [alice@example.com]
                    slack: { channel: "C0123456" }
                    email: true
                policies:
                  - name: deleting customers needs a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    when: "args.table == 'customers'"
                    action: approve
                    approval:
                      approvers: [dba]
                      required: 1
                      timeout: 30m
                      remindEvery: 10m
                      escalate: [{ after: 15m, to: [dba] }]
                  - name: everything else
                    action: deny
                    reason: no policy allows this call
                """);
        assertThat(config.server().port()).isEqualTo(9090);
        UpstreamSettings crm = config.upstream("crm").orElseThrow();
        assertThat(crm.headers()).containsEntry("Authorization", "Bearer s3cr3t-token");
        assertThat(crm.timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(crm.transport()).isEqualTo(UpstreamTransport.STREAMABLE_HTTP);
        assertThat(config.policies().getFirst().approval().escalate().getFirst().after()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.policies().get(1).action()).isEqualTo(PolicyRule.Action.DENY);
    }

    @Test
    void upstreamToStringNeverShowsCredentials() {
        GatehouseConfig config = parse("""
                upstreams:
                  - name: crm
                    url: https://crm-mcp.internal/mcp
                    headers: { Authorization: "Bearer ${env:CRM_TOKEN}" }
                """);
        assertThat(config.toString()).doesNotContain("s3cr3t-token").contains("Authorization");
    }

    @Test
    void refusesAnUnknownKeyNamingLineAndKey() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - name: crm
                    url: https://crm-mcp.internal/mcp
                    timeuot: 5s
                """);
        assertThat(problem.line()).isEqualTo(4);
        assertThat(problem.key()).isEqualTo("upstreams[0].timeuot");
        assertThat(problem.message()).contains("unknown key").contains("timeout");
        assertThat(problem.toString()).startsWith("gatehouse.yaml:4: upstreams[0].timeuot: unknown key");
    }

    @Test
    void refusesABadUrlAtItsLine() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - name: crm
                    url: ftp://crm-mcp.internal/mcp
                """);
        assertThat(problem.line()).isEqualTo(3);
        assertThat(problem.key()).isEqualTo("upstreams[0].url");
        assertThat(problem.message()).contains("http:// or https://");
    }

    @Test
    void refusesAnInvalidUpstreamNameAtItsKey() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - url: https://crm-mcp.internal/mcp
                    name: "CRM!"
                """);
        assertThat(problem.key()).isEqualTo("upstreams[0].name");
        assertThat(problem.line()).isEqualTo(3);
        assertThat(problem.message()).contains("lower-case");
    }

    @Test
    void refusesABadDuration() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - name: crm
                    url: https://crm-mcp.internal/mcp
                    timeout: soon
                """);
        assertThat(problem.line()).isEqualTo(4);
        assertThat(problem.key()).isEqualTo("upstreams[0].timeout");
        assertThat(problem.message()).contains("duration");
    }

    @Test
    void refusesAnUnknownActionListingTheValidOnes() {
        ConfigProblem problem = onlyProblem("""
                policies:
                  - name: r
                    action: maybe
                """);
        assertThat(problem.line()).isEqualTo(3);
        assertThat(problem.message()).contains("allow, deny, approve");
    }

    @Test
    void namesAMissingEnvironmentVariableButNeverAValue() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - name: crm
                    url: https://crm-mcp.internal/mcp
                    headers: { Authorization: "Bearer ${env:MISSING_TOKEN}" }
                """);
        assertThat(problem.line()).isEqualTo(4);
        assertThat(problem.message()).isEqualTo("environment variable MISSING_TOKEN is not set");
    }

    @Test
    void readsSecretsFromFilesRelativeToTheConfig(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("token.txt"), "from-a-file\n");
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, """
                upstreams:
                  - name: crm
                    url: https://crm-mcp.internal/mcp
                    headers: { X-Api-Key: "${file:token.txt}" }
                """);
        assertThat(loader.load(file).upstream("crm").orElseThrow().headers()).containsEntry("X-Api-Key", "from-a-file");
    }

    @Test
    void reportsEveryDanglingReference() {
        try {
            parse("""
                    upstreams:
                      - name: crm
                        url: https://crm-mcp.internal/mcp
                    policies:
                      - name: a
                        upstream: billing
                        action: allow
                        mask: strict
                      - name: b
                        upstream: crm
                        action: approve
                        approval: { approvers: [dba] }
                    """);
            throw new AssertionError("expected a ConfigException");
        } catch (ConfigException e) {
            assertThat(e.problems()).extracting(ConfigProblem::key)
                    .containsExactly("policies[0].upstream", "policies[0].mask", "policies[1].approval.approvers[0]");
            assertThat(e.problems()).extracting(ConfigProblem::line).containsExactly(6, 8, 12);
            assertThat(e.getMessage()).contains("unknown upstream 'billing' (known: crm)");
        }
    }

    @Test
    void refusesDuplicateUpstreamNames() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - name: crm
                    url: https://a.internal/mcp
                  - name: crm
                    url: https://b.internal/mcp
                """);
        assertThat(problem.key()).isEqualTo("upstreams[1].name");
        assertThat(problem.line()).isEqualTo(4);
    }

    @Test
    void refusesInvalidYamlWithItsLine() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - name: "crm
                    url: https://a.internal/mcp
                """);
        assertThat(problem.line()).isGreaterThan(0);
        assertThat(problem.message()).startsWith("not valid YAML");
    }

    @Test
    void refusesAMissingFile(@TempDir Path dir) {
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.yaml: file not found");
    }

    @Test
    void namesTheExactTimeoutThatIsNotPositive() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - name: crm
                    url: https://crm.internal/mcp
                    connectTimeout: 0s
                """);
        assertThat(problem.key()).isEqualTo("upstreams[0].connectTimeout");
        assertThat(problem.line()).isEqualTo(4);
        assertThat(problem.message()).isEqualTo("must be positive");
    }

    @Test
    void neverEchoesTheLineOfAYamlSyntaxError() {
        ConfigProblem problem = onlyProblem("""
                storage:
                  postgres:
                    url: jdbc:postgresql://db/gatehouse
                    password: "hunter2-literal
                """);
        assertThat(problem.line()).isGreaterThan(0);
        assertThat(problem.toString()).startsWith("gatehouse.yaml:").contains("not valid YAML").doesNotContain("hunter2");
    }

    @Test
    void substitutesNumbersAndSwitchesToo() {
        ConfigLoader withPort = new ConfigLoader(Map.of("PORT", "9443", "EMAIL", "true")::get);
        GatehouseConfig config = withPort.parse("g.yaml", """
                server: { port: "${env:PORT}" }
                approvers:
                  dba: { members: [a@example.com], email: "${env:EMAIL}" }
                """, Path.of("."));
        assertThat(config.server().port()).isEqualTo(9443);
        assertThat(config.approvers().get("dba").email()).isTrue();

        ConfigLoader badPort = new ConfigLoader(Map.of("PORT", "not-a-port-s3cret")::get);
        assertThatThrownBy(() -> badPort.parse("g.yaml", "server: { port: \"${env:PORT}\" }\n", Path.of(".")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("g.yaml:1: server.port: must be a whole number");
    }

    @Test
    void takesUrlsFromTheEnvironmentAndSaysWhatIsWrongWithABadOneWithoutQuotingIt() {
        ConfigLoader withIssuer = new ConfigLoader(Map.of("ISSUER", "https://idp.example.com", "BAD", "idp-s3cret")::get);
        GatehouseConfig config = withIssuer.parse("g.yaml", "identity: { issuers: [ { issuer: \"${env:ISSUER}\" } ] }\n", Path.of("."));
        assertThat(config.identity().issuers().getFirst().issuer().text()).isEqualTo("https://idp.example.com");

        assertThatThrownBy(() -> withIssuer.parse("g.yaml", "identity: { issuers: [ { issuer: \"${env:BAD}\" } ] }\n", Path.of(".")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("g.yaml:1: identity.issuers[0].issuer: must be an absolute http:// or https:// URL")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void anUpstreamIsReachedByUrlOrThroughAgentsNeverBothAndNeverWithCredentialsInTheBroker() {
        GatehouseConfig viaAgent = loader.parse("g.yaml", """
                upstreams:
                  - name: crm
                    agent: { taskQueue: crm-agents }
                """, Path.of("."));
        assertThat(viaAgent.upstream("crm").orElseThrow().viaAgent()).isTrue();
        assertThat(viaAgent.upstream("crm").orElseThrow().toString()).contains("agent=crm-agents");

        assertThat(onlyProblem("""
                upstreams:
                  - name: crm
                    url: https://crm.internal/mcp
                    agent: { taskQueue: crm-agents }
                """).message()).startsWith("give url or agent, not both");
        ConfigProblem credential = onlyProblem("""
                upstreams:
                  - name: crm
                    agent: { taskQueue: crm-agents }
                    headers: { Authorization: "Bearer ${env:CRM_TOKEN}" }
                """);
        assertThat(credential.key()).isEqualTo("upstreams[0].headers");
        assertThat(credential.message()).startsWith("belong in the agent's configuration");
        assertThat(credential.toString()).doesNotContain("s3cr3t-token");
        assertThat(onlyProblem("""
                upstreams:
                  - name: crm
                    agent: { taskQueue: "no spaces please" }
                """).toString()).contains("upstreams[0].agent.taskQueue: must be letters, digits");
    }

    @Test
    void refusesCredentialsInsideUrls() {
        ConfigProblem problem = onlyProblem("""
                upstreams:
                  - name: crm
                    url: https://svc:pw@crm.internal/mcp
                """);
        assertThat(problem.key()).isEqualTo("upstreams[0].url");
        assertThat(problem.message()).contains("user:password@");
        assertThat(problem.toString()).doesNotContain("svc:pw");
    }

    @Test
    void refusesNonPositiveApprovalTimes() {
        ConfigProblem problem = onlyProblem("""
                approvers:
                  dba: { members: [a@example.com] }
                policies:
                  - name: gate
                    action: approve
                    approval:
                      approvers: [dba]
                      timeout: PT-5M
                """);
        assertThat(problem.key()).isEqualTo("policies[0].approval.timeout");
        assertThat(problem.line()).isEqualTo(8);
    }

    @Test
    void refusesEmptyListsAndBlankConditionsThatWouldMeanEverything() {
        ConfigProblem emptyList = onlyProblem("""
                policies:
                  - name: typo
                    tools: []
                    action: allow
                """);
        assertThat(emptyList.key()).isEqualTo("policies[0].tools");
        assertThat(emptyList.line()).isEqualTo(3);
        assertThat(emptyList.message()).isEqualTo("is an empty list; leave it out to match any");

        ConfigProblem blank = onlyProblem("""
                policies:
                  - name: blank
                    when: " "
                    action: allow
                """);
        assertThat(blank.key()).isEqualTo("policies[0].when");
        assertThat(blank.message()).startsWith("is empty");
    }

    @Test
    void refusesDuplicatePolicyNamesAndIssuers() {
        try {
            parse("""
                    identity:
                      issuers:
                        - issuer: https://idp.example.com
                        - issuer: https://idp.example.com
                    policies:
                      - { name: same, action: allow }
                      - { name: same, action: deny }
                    """);
            throw new AssertionError("expected a ConfigException");
        } catch (ConfigException e) {
            assertThat(e.problems()).extracting(ConfigProblem::key)
                    .containsExactly("identity.issuers[1].issuer", "policies[1].name");
        }
    }

    @Test
    void refusesPlainHttpIssuersOutsideLoopback() {
        ConfigProblem problem = onlyProblem("""
                identity:
                  issuers:
                    - issuer: http://idp.example.com
                """);
        assertThat(problem.key()).isEqualTo("identity.issuers[0].issuer");
        assertThat(problem.message()).contains("https://");
        assertThat(parse("identity:\n  issuers:\n    - issuer: http://127.0.0.1:8081\n").identity().issuers()).hasSize(1);
    }

    @Test
    void theShippedExampleConfigurationIsValid() {
        ConfigLoader withSecrets = new ConfigLoader(Map.of("CRM_MCP_TOKEN", "t", "PGPASSWORD", "p",
                "GATEHOUSE_PAYLOAD_KEY", "Q2mJlIPGMrZ2gWa/C+CP0Jd3Wjl5FPY2yD8QvMLhGE0=", "GATEHOUSE_UI_CLIENT_SECRET", "")::get);
        GatehouseConfig example = withSecrets.load(Path.of("..", "gatehouse.example.yaml"));
        assertThat(example.storage().postgres().url()).startsWith("jdbc:postgresql://");
        assertThat(example.temporal().target()).isEqualTo("temporal:7233");
        assertThat(example.ui().login().clientId()).isEqualTo("gatehouse-ui");
        assertThat(example.ui().login().clientSecret()).as("an empty secret is a public client").isNull();
    }

    @Test
    void refusesAWebSignInIssuerThatIsNotTrusted() {
        ConfigProblem problem = onlyProblem("""
                identity:
                  issuers:
                    - issuer: https://idp.example.com
                ui:
                  login:
                    issuer: https://other.example.com
                    clientId: gatehouse-ui
                """);
        assertThat(problem.key()).isEqualTo("ui.login.issuer");
        assertThat(problem.message()).contains("not among identity.issuers", "https://idp.example.com");
    }

    @Test
    void refusesWebSignInWithoutAClientIdOrWithATinySessionLifetime() {
        ConfigProblem noClient = onlyProblem("""
                ui:
                  login: { issuer: https://idp.example.com }
                """);
        assertThat(noClient.message()).contains("clientId is required");
        ConfigProblem tiny = onlyProblem("""
                ui:
                  sessionLifetime: 10s
                """);
        assertThat(tiny.key()).isEqualTo("ui.sessionLifetime");
        assertThat(tiny.message()).contains("must be between 1m and 24h");
        assertThat(onlyProblem("ui:\n  sessionLifetime: 30d\n").message()).contains("must be between 1m and 24h");
        GatehouseConfig defaults = parse("upstreams: []\n");
        assertThat(defaults.ui().sessionLifetime()).isEqualTo(java.time.Duration.ofHours(8));
        assertThat(defaults.ui().login()).isNull();
    }

    @Test
    void refusesApproveWithoutApprovalBlock() {
        ConfigProblem problem = onlyProblem("""
                policies:
                  - name: gate
                    action: approve
                """);
        assertThat(problem.key()).isEqualTo("policies[0].action");
        assertThat(problem.line()).isEqualTo(3);
        assertThat(problem.message()).contains("approval");
    }
}
