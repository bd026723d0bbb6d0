package dev.gatehouse.broker.email;

import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.policy.PolicyConfigCheck;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code gatehouse dev} with no config file mails approval links out of the box (to the dev stack's mail catcher). */
class DemoConfigMailTest {

    @Test
    void theBuiltInDemoMailsItsApproversAndLeavesTheMailServerToTheDevStack() throws IOException {
        String yaml;
        try (InputStream in = DemoConfigMailTest.class.getResourceAsStream("/dev/demo-gatehouse.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@DEMO_UPSTREAM_URL@", "http://127.0.0.1:1/mcp");
        }

        GatehouseConfig demo = new ConfigLoader(Map.<String, String>of()::get).withCheck(new PolicyConfigCheck())
                .parse("built-in demo configuration", yaml, Path.of("."));

        assertThat(demo.approvers().get("dba").email()).isTrue();
        assertThat(demo.approvers().get("dba").members()).contains("alice@example.com");
        assertThat(demo.channels().email()).as("the dev stack fills in its mail catcher").isNull();
    }
}
