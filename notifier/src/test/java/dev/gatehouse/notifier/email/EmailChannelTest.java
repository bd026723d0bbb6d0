package dev.gatehouse.notifier.email;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.DecisionSummary;
import dev.gatehouse.notifier.DeliveryFailedException;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Settlement;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmailChannelTest {

    private static final Instant DEADLINE = Instant.parse("2025-03-01T10:30:00Z");
    private static final Instant BEFORE = DEADLINE.minusSeconds(600);
    private static final CallSummary CALL = new CallSummary("apr-1", "agent@example.com", "agent@example.com", "crm", "tools/call",
            "delete_customer", "{\"customer\":\"42\",\"note\":\"<script>alert(1)</script> & co\"}", "deletes need a DBA",
            "customers are forever", "v1", 2, DEADLINE);
    private static final NotifiedGroup DBA = new NotifiedGroup("dba", List.of("alice@example.com", "bob@example.com"), null, true);
    private static final Pattern LINK = Pattern.compile("^(Approve|Deny): (\\S+)$", Pattern.MULTILINE);

    private final DecisionLinks links = new DecisionLinks(new byte[32]);
    private final ApprovalLinks urls = new ApprovalLinks(URI.create("https://gatehouse.example.com"));
    private GreenMail smtp;
    private EmailChannel channel;

    @BeforeEach
    void start() {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        channel = new EmailChannel(settings(smtp.getSmtp().getPort(), false), links, urls);
    }

    @AfterEach
    void stop() {
        smtp.stop();
    }

    @Test
    void servesGroupsThatWantMailAndHaveAnAddress() {
        assertThat(channel.name()).isEqualTo("email");
        assertThat(channel.serves(DBA)).isTrue();
        assertThat(channel.serves(new NotifiedGroup("dba", DBA.members(), null, false))).isFalse();
        assertThat(channel.serves(new NotifiedGroup("dba", List.of(), null, true))).isFalse();
        assertThat(channel.serves(new NotifiedGroup("dba", List.of("alice"), null, true))).as("subjects cannot be mailed").isFalse();
    }

    @Test
    void mailsEachMemberThePlainAndHtmlPartsWithTheSameFacts() throws Exception {
        channel.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA, 1, List.of()));

        MimeMessage[] received = smtp.getReceivedMessages();
        assertThat(received).hasSize(2);
        assertThat(Arrays.stream(received).map(EmailChannelTest::to)).containsExactlyInAnyOrder("alice@example.com", "bob@example.com");
        MimeMessage alice = mailsTo("alice@example.com").getFirst();
        assertThat(alice.getSubject()).isEqualTo("Approval needed: delete_customer on crm for agent@example.com");
        assertThat(alice.getFrom()[0].toString()).isEqualTo("gatehouse@example.com");
        assertThat(alice.getContentType()).startsWith("multipart/alternative");
        String text = part(alice, "text/plain");
        String html = part(alice, "text/html");
        for (String fact : List.of("agent@example.com asks to run delete_customer on crm.", "crm", "delete_customer (tools/call)",
                "deletes need a DBA", "customers are forever", "1 of 2 so far", "2025-03-01 10:30:00 UTC", "approver group dba",
                "https://gatehouse.example.com/ui/approvals/apr-1")) {
            assertThat(text).contains(fact);
            assertThat(html).contains(MailBody.escape(fact));
        }
        assertThat(text).contains("{\"customer\":\"42\",\"note\":\"<script>alert(1)</script> & co\"}");
        assertThat(html).contains("{&quot;customer&quot;:&quot;42&quot;,&quot;note&quot;:&quot;&lt;script&gt;alert(1)&lt;/script&gt; &amp; co&quot;}")
                .doesNotContain("<script>");
        assertThat(html).contains("<title>Approval needed: delete_customer on crm for agent@example.com</title>");
    }

    @Test
    void givesEachMemberApproveAndDenyLinksSignedForThemAlone() throws Exception {
        channel.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));

        for (MimeMessage mail : smtp.getReceivedMessages()) {
            String member = to(mail);
            String text = part(mail, "text/plain");
            String html = part(mail, "text/html");
            Matcher found = LINK.matcher(text);
            int seen = 0;
            while (found.find()) {
                seen++;
                String url = found.group(2);
                assertThat(url).startsWith("https://gatehouse.example.com/email/approvals/apr-1?t=");
                assertThat(html).contains("href=\"" + MailBody.escape(url) + "\"");
                LinkClaims claims = ((LinkCheck.Valid) links.verify(token(url), BEFORE)).claims();
                assertThat(claims.approver()).isEqualTo(member);
                assertThat(claims.approvalId()).isEqualTo("apr-1");
                assertThat(claims.expiry()).isEqualTo(DEADLINE);
                assertThat(claims.action()).isEqualTo(found.group(1).toLowerCase());
            }
            assertThat(seen).as("an Approve and a Deny link for " + member).isEqualTo(2);
        }
    }

    @Test
    void handsBackAHandleNamingEachMailAndItsMember() throws Exception {
        String handle = channel.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));

        List<SentMail> sent = SentMail.parse(handle);
        assertThat(sent).extracting(SentMail::member).containsExactly("alice@example.com", "bob@example.com");
        assertThat(sent).extracting(SentMail::reply).containsOnly(false);
        assertThat(sent.getFirst().messageId()).isEqualTo(mailsTo("alice@example.com").getFirst().getMessageID())
                .startsWith("<apr-1.request.").endsWith("@example.com>");
    }

    @Test
    void threadsTheOutcomeUnderEachMembersAnnouncement() throws Exception {
        String handle = channel.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));

        channel.settle(handle, new Settlement(CALL, Settlement.Outcome.DENIED, "denied by bob@example.com: not during the freeze",
                List.of(new DecisionSummary("bob@example.com", DecisionSummary.Verdict.DENY, "not during the freeze", "email",
                        Instant.parse("2025-03-01T10:05:00Z"))), Instant.parse("2025-03-01T10:05:00Z")));

        assertThat(smtp.getReceivedMessages()).hasSize(4);
        for (String member : DBA.members()) {
            List<MimeMessage> mails = mailsTo(member);
            assertThat(mails).hasSize(2);
            MimeMessage announced = mails.get(0);
            MimeMessage followUp = mails.get(1);
            assertThat(followUp.getHeader("In-Reply-To", null)).isEqualTo(announced.getMessageID());
            assertThat(followUp.getHeader("References", null)).isEqualTo(announced.getMessageID());
            assertThat(followUp.getMessageID()).isNotEqualTo(announced.getMessageID());
            assertThat(followUp.getSubject()).isEqualTo("Re: Approval needed: delete_customer on crm for agent@example.com [denied]");
            String text = part(followUp, "text/plain");
            assertThat(text).contains("was denied").contains("denied by bob@example.com: not during the freeze")
                    .contains("bob@example.com denied by email at 2025-03-01 10:05:00 UTC: not during the freeze");
            assertThat(part(followUp, "text/html")).contains("was denied");
        }
    }

    @Test
    void sendsAReminderInTheThreadOfTheFirstMailAndNoSecondFollowUp() throws Exception {
        String first = channel.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA));
        NotifiedGroup grown = new NotifiedGroup("dba", List.of("alice@example.com", "bob@example.com", "carol@example.com"), null, true);

        String reminder = channel.announce(new Announcement(CALL, Announcement.Kind.REMINDER, grown, 0, List.of(first)));

        assertThat(smtp.getReceivedMessages()).hasSize(5);
        List<MimeMessage> alice = mailsTo("alice@example.com");
        assertThat(alice.get(1).getSubject()).isEqualTo("Reminder: Approval needed: delete_customer on crm for agent@example.com");
        assertThat(alice.get(1).getHeader("In-Reply-To", null)).isEqualTo(alice.get(0).getMessageID());
        assertThat(mailsTo("carol@example.com").getFirst().getHeader("In-Reply-To", null)).as("carol was not mailed before").isNull();
        assertThat(SentMail.parse(reminder)).extracting(SentMail::reply).containsExactly(true, true, false);

        channel.settle(reminder, new Settlement(CALL, Settlement.Outcome.EXPIRED, "", List.of(), DEADLINE));

        assertThat(smtp.getReceivedMessages()).hasSize(6);
        List<MimeMessage> carol = mailsTo("carol@example.com");
        assertThat(carol).hasSize(2);
        assertThat(carol.get(1).getSubject()).endsWith("[expired]");
        assertThat(part(carol.get(1), "text/plain")).contains("expired without a decision");
    }

    @Test
    void saysWhenTheGroupIsToldBecauseOfAnEscalation() throws Exception {
        channel.announce(new Announcement(CALL, Announcement.Kind.ESCALATION, new NotifiedGroup("leads", List.of("lead@example.com"), null, true)));

        MimeMessage mail = smtp.getReceivedMessages()[0];
        assertThat(mail.getSubject()).isEqualTo("Escalated: Approval needed: delete_customer on crm for agent@example.com");
        assertThat(part(mail, "text/plain")).contains("escalated to the approver group leads");
    }

    @Test
    void mailsTheRequesterTheOutcome() throws Exception {
        channel.concluded(new Settlement(CALL, Settlement.Outcome.APPROVED, "approved by alice@example.com, bob@example.com",
                List.of(), Instant.parse("2025-03-01T10:05:00Z")));

        MimeMessage mail = smtp.getReceivedMessages()[0];
        assertThat(to(mail)).isEqualTo("agent@example.com");
        assertThat(mail.getSubject()).isEqualTo("Your call delete_customer on crm was approved");
        assertThat(part(mail, "text/plain")).contains("approved by alice@example.com, bob@example.com")
                .contains("https://gatehouse.example.com/ui/approvals/apr-1");
    }

    @Test
    void mailsNobodyWhenTheRequesterHasNoAddress() {
        CallSummary anonymous = new CallSummary("apr-2", "svc-42", "", "crm", "tools/call", "delete_customer", "{}", "p", "", "v1", 1,
                DEADLINE);

        channel.concluded(new Settlement(anonymous, Settlement.Outcome.DENIED, "", List.of(), DEADLINE));

        assertThat(smtp.getReceivedMessages()).isEmpty();
    }

    @Test
    void keepsLineBreaksInATargetOutOfTheHeaders() throws Exception {
        CallSummary sneaky = new CallSummary("apr-3", "agent@example.com", "", "crm", "tools/call", "x\r\nBcc: eve@example.com", "{}",
                "p", "", "v1", 1, DEADLINE);

        channel.announce(new Announcement(sneaky, Announcement.Kind.REQUEST, DBA));

        MimeMessage mail = smtp.getReceivedMessages()[0];
        assertThat(mail.getHeader("Bcc")).isNull();
        assertThat(mail.getSubject()).isEqualTo("Approval needed: x  Bcc: eve@example.com on crm for agent@example.com");
        assertThat(smtp.getReceivedMessages()).hasSize(2);
    }

    @Test
    void reportsAMailServerThatCannotBeReachedAsAFailedDelivery() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        EmailChannel unreachable = new EmailChannel(settings(closed, false), links, urls);

        assertThatThrownBy(() -> unreachable.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA)))
                .isInstanceOf(DeliveryFailedException.class)
                .hasMessageStartingWith("channel 'email': could not mail approval apr-1 to group dba via smtp://127.0.0.1:" + closed + ": ")
                .hasCauseInstanceOf(MessagingException.class);
    }

    @Test
    void sendsNothingInClearWhenStartTlsIsRequiredButNotOffered() {
        EmailChannel strict = new EmailChannel(settings(smtp.getSmtp().getPort(), true), links, urls);

        assertThatThrownBy(() -> strict.announce(new Announcement(CALL, Announcement.Kind.REQUEST, DBA)))
                .isInstanceOf(DeliveryFailedException.class)
                .hasMessageContaining("STARTTLS");
        assertThat(smtp.getReceivedMessages()).isEmpty();
    }

    private static SmtpSettings settings(int port, boolean startTls) {
        return SmtpSettings.of("smtp://127.0.0.1:" + port, "gatehouse@example.com", null, null, startTls);
    }

    /** GreenMail lists mail by mailbox, not by arrival: each member's own mails, in the order they came. */
    private List<MimeMessage> mailsTo(String address) {
        return Arrays.stream(smtp.getReceivedMessages()).filter(mail -> to(mail).equals(address)).toList();
    }

    static String to(MimeMessage mail) {
        try {
            return mail.getAllRecipients()[0].toString();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String part(MimeMessage mail, String type) throws MessagingException, IOException {
        MimeMultipart parts = (MimeMultipart) mail.getContent();
        for (int i = 0; i < parts.getCount(); i++) {
            BodyPart part = parts.getBodyPart(i);
            if (part.isMimeType(type)) {
                return (String) part.getContent();
            }
        }
        throw new AssertionError("no " + type + " part");
    }

    private static String token(String url) {
        return URLDecoder.decode(url.substring(url.indexOf("?t=") + 3), StandardCharsets.UTF_8);
    }
}
