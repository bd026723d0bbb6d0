package dev.gatehouse.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GatehouseCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Gatehouse.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void checkConfigAcceptsAValidFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, "upstreams:\n  - name: crm\n    url: https://crm.internal/mcp\n");
        assertThat(run("check-config", file.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("gatehouse.yaml: OK");
    }

    @Test
    void checkConfigForServeAlsoReportsWhatOnlyDevModeFillsIn(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, "upstreams:\n  - name: crm\n    url: https://crm.internal/mcp\n");
        assertThat(run("check-config", file.toString(), "--serve")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(file + ": storage: serve needs storage.postgres")
                .contains(file + ": identity.issuers: serve needs at least one trusted token issuer");
        assertThat(run("check-config", "--serve")).isEqualTo(2);
    }

    @Test
    void checkConfigPrintsEveryProblemWithItsLineAndFails(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, """
                upstreams:
                  - name: crm
                    url: https://crm.internal/mcp
                policies:
                  - name: a
                    upstream: billing
                    action: allow
                  - name: b
                    upstream: payroll
                    action: allow
                """);
        assertThat(run("check-config", file.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                file + ":6: policies[0].upstream: unknown upstream 'billing' (known: crm)",
                file + ":9: policies[1].upstream: unknown upstream 'payroll' (known: crm)");
    }

    @Test
    void explainShowsWhichRuleDecidesAndWhy(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, """
                upstreams:
                  - name: crm
                    url: https://crm.internal/mcp
                approvers:
                  dba: { members: [dba@example.com] }
                policies:
                  - name: reads flow freely
                    tools: ["get_*"]
                    groups: [agents]
                    action: allow
                  - name: deleting customers needs a DBA
                    tools: ["delete_*"]
                    when: "has(args.table) && args.table == 'customers'"
                    action: approve
                    approval: { approvers: [dba], timeout: 30m }
                """);
        int code = run("explain", "--config", file.toString(), "--sub", "ci-bot", "--groups", "agents",
                "--upstream", "crm", "--tool", "delete_customer", "--args", "{\"table\":\"customers\"}");
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).containsSubsequence(
                "call: sub=ci-bot groups=[agents] upstream=crm tool=delete_customer args={\"table\":\"customers\"}",
                "  1. 'reads flow freely' (allow): no match: tool 'delete_customer' matches none of [get_*]",
                "  2. 'deleting customers needs a DBA' (approve): MATCHES (when `has(args.table) && args.table == 'customers'` is true)",
                "decision: approve by 'deleting customers needs a DBA': 1 of [dba] within PT30M");
    }

    @Test
    void explainRefusesArgumentsThatAreNotAJsonObject(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, "policies: []\n");
        assertThat(run("explain", "--config", file.toString(), "--sub", "a", "--upstream", "u", "--tool", "t",
                "--args", "[1,2]")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("gatehouse: --args must be a JSON object");
    }

    @Test
    void rejectsAnUnknownCommandWithUsage() {
        assertThat(run("launch")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("gatehouse: unknown command 'launch'").contains("usage:");
    }

    @Test
    void parsesDemoUpstreamAndRefusesAnUnknownOption() {
        assertThat(CommandLine.parse(java.util.List.of("demo-upstream", "--host", "0.0.0.0", "--port", "9000")))
                .isEqualTo(new CommandLine.DemoUpstream("0.0.0.0", 9000));
        assertThat(CommandLine.parse(java.util.List.of("demo-upstream"))).isEqualTo(new CommandLine.DemoUpstream("127.0.0.1", 8090));
        assertThat(run("demo-upstream", "--tls", "yes")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("gatehouse: unknown option '--tls' for demo-upstream");
    }

    @Test
    void rejectsABadPort() {
        assertThat(run("dev", "--port", "eighty")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--port must be a number, not 'eighty'");
    }

    @Test
    void serveRefusesWhatOnlyDevModeMakesUpAndSaysWhatToSet(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, "upstreams: []\n");
        assertThat(run("serve", "--config", file.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(file + ": storage: serve needs storage.postgres")
                .contains(file + ": temporal: serve needs temporal.target, namespace and payloadKey")
                .contains(file + ": server.publicUrl: serve needs the URL callers reach the broker at")
                .contains(file + ": identity.issuers: serve needs at least one trusted token issuer");
    }

    @Test
    void agentRefusesAFileWithoutItsQueueTemporalOrUpstreamsAndOneWithTheBrokersSections(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, """
                upstreams:
                  - name: crm
                    agent: { taskQueue: crm-agents }
                policies:
                  - name: all
                    action: allow
                """);
        assertThat(run("agent", "--config", file.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(file + ": agent: an agent needs agent.taskQueue")
                .contains(file + ": temporal: an agent needs temporal.target")
                .contains("upstreams[0].agent: an agent reaches its upstreams by url itself")
                .contains("policies: policies are the brokers'");
    }

    @Test
    void serveRefusesTheDevIssuerAtItsLineAndAMissingPayloadKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, """
                server:
                  publicUrl: https://gatehouse.example.com
                identity:
                  issuers:
                    - issuer: https://gatehouse.example.com/dev
                storage:
                  postgres: { url: "jdbc:postgresql://db:5432/gatehouse", user: gatehouse }
                temporal:
                  target: temporal:7233
                """);
        assertThat(run("serve", "--config", file.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(file + ":5: identity.issuers[0].issuer: is the dev issuer's address (https://gatehouse.example.com/dev)")
                .contains("temporal.payloadKey: is required")
                .doesNotContain("server.publicUrl:")
                .doesNotContain("storage:");
    }
}
