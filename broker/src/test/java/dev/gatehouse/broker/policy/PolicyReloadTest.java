package dev.gatehouse.broker.policy;

import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.RecordingUpstream;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Editing the configuration file swaps the policy in a running broker; a broken edit leaves it as it was. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyReloadTest {

    private static final String CONFIG = """
            upstreams:
              - name: rec
                url: %s
            policies:
              - name: %s
                tools: [echo]
                action: %s
                reason: echo is switched off
                %s
            """;

    private RecordingUpstream upstream;
    private TestStack stack;

    @BeforeAll
    void start() {
        upstream = RecordingUpstream.start();
        stack = TestStack.start(config("echo allowed", "allow", ""));
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    private String config(String rule, String action, String when) {
        String yaml = CONFIG.formatted(upstream.url(), rule, action, when.isEmpty() ? "" : "when: \"" + when + "\"");
        return action.equals("allow") ? yaml.replace("    reason: echo is switched off\n", "") : yaml;
    }

    /** Replaces the file the way editors do: write a temporary file, then rename it over the original. */
    private void edit(String yaml) throws Exception {
        Path temp = stack.configFile().resolveSibling("gatehouse.yaml.tmp");
        Files.writeString(temp, yaml);
        Files.move(temp, stack.configFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private String callEcho() {
        return RawMcp.message(stack.raw("rec").bearer(stack.token("agent", "agents")).post("""
                {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}""")).toString();
    }

    private int reloads() {
        return stack.dev().broker().lastPolicyReload().map(PolicyReloader.Reload::attempt).orElse(0);
    }

    private static void await(BooleanSupplier condition) {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            while (!condition.getAsBoolean()) {
                Thread.sleep(50);
            }
        });
    }

    @Test
    void swapsAValidPolicyInAndKeepsItWhenAnEditIsBroken() throws Exception {
        assertThat(callEcho()).contains("echo: hi");

        edit(config("echo switched off", "deny", ""));
        await(() -> reloads() >= 1);
        assertThat(stack.dev().broker().lastPolicyReload().orElseThrow().applied()).isTrue();
        assertThat(callEcho()).contains("denied by policy 'echo switched off': echo is switched off");

        int before = reloads();
        edit(config("broken", "allow", "args.text = 'hi'"));
        await(() -> reloads() > before);
        PolicyReloader.Reload broken = stack.dev().broker().lastPolicyReload().orElseThrow();
        assertThat(broken.applied()).isFalse();
        assertThat(broken.detail()).contains("policies[0].when: invalid CEL expression");
        assertThat(callEcho()).as("the running policy stays").contains("denied by policy 'echo switched off'");
    }

    @Test
    void refusesRulesThatNeedWhatOnlyARestartBrings() throws Exception {
        int before = reloads();
        // Valid as a file, but the running broker has neither the new group nor the new profile.
        edit("""
                upstreams:
                  - name: rec
                    url: %s
                approvers:
                  night-shift: { members: [owl@example.com] }
                masking:
                  profiles:
                    strict:
                      detectors: [email]
                policies:
                  - name: echo needs the night shift
                    tools: [echo]
                    action: approve
                    approval: { approvers: [night-shift] }
                  - name: the rest, strictly masked
                    action: allow
                    mask: strict
                """.formatted(upstream.url()));
        await(() -> reloads() > before);
        PolicyReloader.Reload refused = stack.dev().broker().lastPolicyReload().orElseThrow();
        assertThat(refused.applied()).isFalse();
        assertThat(refused.detail())
                .contains("policies[0].approval.approvers[0]: unknown approver group 'night-shift'")
                .contains("policies[1].mask: unknown masking profile 'strict'")
                .contains("in the running configuration: approver groups, masking profiles and upstreams change only at the next start");
        assertThat(callEcho()).as("the running policy stays").doesNotContain("approval");
    }
}
