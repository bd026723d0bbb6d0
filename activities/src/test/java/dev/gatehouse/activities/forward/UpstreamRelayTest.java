package dev.gatehouse.activities.forward;

import dev.gatehouse.workflows.relay.RelayRequest;
import dev.gatehouse.workflows.relay.RelayResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's side of a relay: what it sends the upstream beside it, and what it carries back to the broker. */
class UpstreamRelayTest {

    private static final String CALL = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}";
    private static final String ANSWER = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[]}}";

    private FakeMcpUpstream upstream;
    private HttpUpstreamClient client;
    private UpstreamRelayImpl relay;

    @BeforeEach
    void start() throws IOException {
        upstream = new FakeMcpUpstream();
        client = new HttpUpstreamClient(new UpstreamTarget("crm", upstream.url(), Map.of("Authorization", "Bearer agent-credential"),
                Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5)));
        relay = new UpstreamRelayImpl(Map.of("crm", client));
    }

    @AfterEach
    void stop() {
        client.close();
        upstream.close();
    }

    private static RelayRequest request(String upstream) {
        return new RelayRequest(upstream, "POST", Map.of("Content-Type", List.of("application/json"),
                "Mcp-Session-Id", List.of("upstream-session-1")), CALL, Duration.ofSeconds(5));
    }

    @Test
    void sendsTheBrokersMessageWithTheAgentsCredentialAndCarriesTheAnswerBack() {
        upstream.answers(FakeMcpUpstream.json(ANSWER));

        RelayResponse response = relay.exchange(request("crm"));

        assertThat(response.answered()).isTrue();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(ANSWER);
        FakeMcpUpstream.Received sent = upstream.received().getFirst();
        assertThat(sent.body()).isEqualTo(CALL);
        assertThat(sent.header("Authorization")).isEqualTo("Bearer agent-credential");
        assertThat(sent.header("Mcp-Session-Id")).isEqualTo("upstream-session-1");
    }

    @Test
    void carriesAnEventStreamUpToTheResponseWithTheProgressBeforeIt() {
        String progress = "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n";
        // The upstream leaves its stream open after the response: the agent does not wait for it to end.
        upstream.answers(upstream.stalls(progress + "data: " + ANSWER + "\n\n"));

        RelayResponse response = relay.exchange(request("crm"));

        assertThat(response.answered()).isTrue();
        assertThat(response.body()).contains("notifications/progress").contains(ANSWER);
    }

    @Test
    void refusesAnUpstreamThatAsksTheClientSomethingMidCallNamingTheLimitation() {
        upstream.answers(upstream.stalls("data: {\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"method\":\"elicitation/create\",\"params\":{}}\n\n"));

        RelayResponse response = relay.exchange(request("crm"));

        assertThat(response.answered()).isFalse();
        assertThat(response.failure()).contains("asked the client something mid-call (elicitation/create)")
                .contains("cannot cross an agent");
        assertThat(response.mayHaveRun()).isTrue();
    }

    @Test
    void anUnknownUpstreamOrAnUnreachableOneIsAFailureNotAnException() throws IOException {
        RelayResponse unknown = relay.exchange(request("billing"));
        assertThat(unknown.failure()).isEqualTo("this agent serves no upstream 'billing' (it serves [crm]); the request was not sent");
        assertThat(unknown.mayHaveRun()).isFalse();

        upstream.close();
        RelayResponse unreachable = relay.exchange(request("crm"));
        assertThat(unreachable.failure()).startsWith("upstream 'crm' is unreachable");
    }
}
