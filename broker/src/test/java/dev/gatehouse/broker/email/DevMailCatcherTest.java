package dev.gatehouse.broker.email;

import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.Poll;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Dev mode with no mail server configured: the stack catches its own mail and lists it at {@code /dev/mail}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DevMailCatcherTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private DemoUpstream upstream;
    private TestStack stack;

    @BeforeAll
    void start() {
        upstream = DemoUpstream.start(0);
        stack = TestStack.start("""
                upstreams:
                  - name: crm
                    url: %s
                approvers:
                  dba: { members: [alice@example.com], email: true }
                policies:
                  - name: deletes need a DBA
                    upstream: crm
                    tools: ["delete_*"]
                    action: approve
                    approval: { approvers: [dba], timeout: 10m }
                  - name: the rest flows
                    action: allow
                """.formatted(upstream.url()));
    }

    @AfterAll
    void stop() {
        stack.close();
        upstream.close();
    }

    @Test
    void listsCaughtApprovalMailWhoseLinksOpenTheConfirmationPage() {
        assertThat(stack.dev().caughtMailPage()).hasValue(URI.create(stack.baseUrl() + "/dev/mail"));
        RawMcp raw = stack.raw("crm").bearer(stack.token("agent-dev", "agents"));
        raw.with("Mcp-Session-Id", raw.initialize()).with("MCP-Protocol-Version", "2025-11-25").postAsync("""
                {"jsonrpc":"2.0","id":"d1","method":"tools/call","params":{"name":"delete_customer","arguments":{"id":"d-1"}}}""");

        String list = Poll.until("the approval mail on /dev/mail", Duration.ofSeconds(20), () -> Optional.of(get("/dev/mail"))
                .filter(page -> page.statusCode() == 200 && page.body().contains("for agent-dev@example.com"))
                .map(HttpResponse::body));

        assertThat(list).contains("<title>Caught mail · Gatehouse dev</title>").contains("<td>alice@example.com</td>")
                .contains("Approval needed: delete_customer on crm for agent-dev@example.com");
        Matcher entry = Pattern.compile("<a href=\"mail/(\\d+)\">Approval needed: delete_customer on crm for agent-dev@example.com</a>")
                .matcher(list);
        assertThat(entry.find()).isTrue();

        HttpResponse<String> mail = get("/dev/mail/" + entry.group(1));

        assertThat(mail.statusCode()).isEqualTo(200);
        assertThat(mail.body()).contains("agent-dev@example.com asks to run delete_customer on crm.");
        Matcher approve = Pattern.compile("<a href=\"([^\"]+)\"[^>]*>Approve</a>").matcher(mail.body());
        assertThat(approve.find()).isTrue();
        HttpResponse<String> confirmation = send(URI.create(approve.group(1).replace("&amp;", "&")));
        assertThat(confirmation.statusCode()).isEqualTo(200);
        assertThat(confirmation.body()).contains("You are deciding as alice@example.com.");
        assertThat(get("/dev/mail/999").statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> get(String path) {
        return send(URI.create(stack.baseUrl() + path));
    }

    private HttpResponse<String> send(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
