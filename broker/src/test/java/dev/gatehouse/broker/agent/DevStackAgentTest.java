package dev.gatehouse.broker.agent;

import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.dev.DevStack;
import dev.gatehouse.broker.policy.PolicyConfigCheck;
import dev.gatehouse.broker.recording.MaskingConfig;
import dev.gatehouse.broker.testing.RawMcp;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code gatehouse dev --agent}: the demo upstream reached through an in-process agent, the broker holding no route to it. */
class DevStackAgentTest {

    @Test
    void servesTheDemoThroughItsAgentWithNeitherUrlNorKeyInTheBroker() {
        ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get).withCheck(new PolicyConfigCheck()).withCheck(new MaskingConfig());
        try (DevStack stack = DevStack.start(new DevStack.Options("127.0.0.1", 0, 0, Optional.empty(), Optional.empty(), true), loader)) {
            var demo = stack.effectiveConfig().upstream("demo").orElseThrow();
            assertThat(demo.viaAgent()).isTrue();
            assertThat(demo.agent().taskQueue()).isEqualTo(DevStack.DEMO_AGENT_QUEUE);
            assertThat(demo.headers()).isEmpty();

            String token = stack.issuer().issue("dev-agent", List.of("agents"), Optional.empty());
            RawMcp raw = new RawMcp(URI.create(stack.brokerUrl() + "/mcp/demo")).bearer(token);
            RawMcp session = raw.with("Mcp-Session-Id", raw.initialize()).with("MCP-Protocol-Version", "2025-11-25");
            HttpResponse<String> found = session.post("""
                    {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_customers","arguments":{"query":"Ada"}}}""");
            assertThat(RawMcp.message(found).path("result").toString()).contains("Ada Lovelace");
        }
    }
}
