package dev.gatehouse.broker.docs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.testing.CaughtMail;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.TestStack;
import dev.gatehouse.notifier.slack.FakeSlackApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders the README's pictures of the Slack message and the e-mail from what Gatehouse really sends for a
 * gated call: the Block Kit blocks it posted to a fake Slack, and the HTML part of the mail an SMTP server
 * caught, each screenshot with headless Chromium. Run when the messages change, from the broker module:
 * {@code ../mvnw -o test -Dtest=NoticePicturesTest -Dgatehouse.renderPictures=true}.
 */
@EnabledIfSystemProperty(named = "gatehouse.renderPictures", matches = "true")
class NoticePicturesTest {

    private static final Path IMAGES = Path.of("../docs/images");
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Test
    void rendersTheSlackMessageAndTheEmail() throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try (FakeSlackApi slack = FakeSlackApi.start(); DemoUpstream upstream = DemoUpstream.start(0);
             TestStack stack = TestStack.start("""
                     upstreams:
                       - name: crm
                         url: %s
                     channels:
                       slack: { botToken: xoxb-docs, signingSecret: docs, apiUrl: %s }
                       email: { smtp: "smtp://127.0.0.1:%d", from: gatehouse@example.com, startTls: false }
                     approvers:
                       dba: { members: [alice@example.com, bob@example.com], slack: { channel: C0DBA }, email: true }
                     policies:
                       - name: deleting customers needs two DBAs
                         upstream: crm
                         tools: ["delete_*"]
                         action: approve
                         reason: A deleted customer cannot be restored; two DBAs must agree.
                         approval: { approvers: [dba], required: 2, timeout: 30m }
                     """.formatted(upstream.url(), slack.methodsUrl(), smtp.getSmtp().getPort()))) {
            RawMcp raw = stack.raw("crm").bearer(stack.token("billing-agent", "agents"));
            RawMcp client = raw.with("Mcp-Session-Id", raw.initialize()).with("MCP-Protocol-Version", "2025-11-25");
            var held = client.postAsync("""
                    {"jsonrpc":"2.0","id":"1","method":"tools/call","params":{"name":"delete_customer",
                     "arguments":{"id":"c-1002","note":"closing account, card 4111 1111 1111 1111 on file"}}}""");

            FakeSlackApi.Call posted = slack.await("chat.postMessage", c -> c.param("channel").equals("C0DBA"), PATIENCE);
            CaughtMail mail = CaughtMail.await(smtp, "alice@example.com",
                    "Approval needed: delete_customer on crm for billing-agent@example.com", PATIENCE);

            Path work = Files.createDirectories(Path.of("target/pictures"));
            Path slackPage = work.resolve("slack-approval.html");
            Files.writeString(slackPage, BlockKitPreview.page("Gatehouse", "APP  10:42",
                    new ObjectMapper().readTree(posted.param("blocks"))));
            Path mailPage = work.resolve("email-approval.html");
            // As a mail client shows it: the envelope above the HTML part.
            Files.writeString(mailPage, """
                    <div style="font-family:'DejaVu Sans',Arial,sans-serif;font-size:14px;border-bottom:1px solid #ccc;
                    padding:8px 8px 10px;margin-bottom:8px"><b>%s</b><br>From: gatehouse@example.com<br>To: %s</div>
                    """.formatted(mail.subject(), mail.to()) + mail.html());
            Files.createDirectories(IMAGES);
            screenshot(slackPage, IMAGES.resolve("slack-approval.png"), 760, 420);
            screenshot(mailPage, IMAGES.resolve("email-approval.png"), 760, 660);
            held.cancel(true);
        } finally {
            smtp.stop();
        }
        assertThat(IMAGES.resolve("slack-approval.png")).isNotEmptyFile();
        assertThat(IMAGES.resolve("email-approval.png")).isNotEmptyFile();
    }

    private static void screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
        Process chromium = new ProcessBuilder(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(),
                page.toAbsolutePath().toUri().toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(chromium.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(chromium.exitValue()).as("chromium's exit status").isZero();
    }
}
