package dev.gatehouse.notifier.email;

import dev.gatehouse.notifier.Announcement;
import dev.gatehouse.notifier.ApprovalChannel;
import dev.gatehouse.notifier.ApprovalLinks;
import dev.gatehouse.notifier.CallSummary;
import dev.gatehouse.notifier.DecisionSummary.Verdict;
import dev.gatehouse.notifier.DeliveryFailedException;
import dev.gatehouse.notifier.NotifiedGroup;
import dev.gatehouse.notifier.Settlement;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * E-mail as an approval channel: one mail per member of a group that wants mail, each carrying Approve
 * and Deny links signed for that member alone; a follow-up in the same thread when the call ends; and
 * the outcome to the requester. Thread-safe.
 *
 * <p>An announcement's mails travel over one SMTP connection. If the server fails part-way, the activity's
 * retry mails every member again, so the first few may get the request twice (each copy with working links,
 * as both are theirs); nothing else is repeated.
 */
public final class EmailChannel implements ApprovalChannel {

    public static final String NAME = "email";

    private static final Logger log = LoggerFactory.getLogger(EmailChannel.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SmtpMailer mailer;
    private final DecisionLinks links;
    private final ApprovalLinks urls;
    private final String idDomain;

    public EmailChannel(SmtpSettings smtp, DecisionLinks links, ApprovalLinks urls) {
        this.mailer = new SmtpMailer(smtp);
        this.links = links;
        this.urls = urls;
        this.idDomain = smtp.from().substring(smtp.from().lastIndexOf('@') + 1).replaceAll("[^A-Za-z0-9.-]", "");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean serves(NotifiedGroup group) {
        return group.email() && !addresses(group.members()).isEmpty();
    }

    @Override
    public String announce(Announcement announcement) {
        CallSummary call = announcement.call();
        List<SentMail> earlier = announcement.earlier().stream().flatMap(handle -> SentMail.parse(handle).stream())
                .filter(mail -> !mail.reply()).toList();
        List<SentMail> sent = new ArrayList<>();
        List<MimeMessage> messages = new ArrayList<>();
        try {
            for (InternetAddress member : addresses(announcement.group().members())) {
                String address = member.getAddress();
                String id = messageId(call.approvalId(), announcement.kind().name());
                // A member told before gets the reminder in that mail's thread; its follow-up covers both.
                Optional<String> original = earlier.stream().filter(mail -> mail.wentTo(address)).map(SentMail::messageId).findFirst();
                Composed mail = ApprovalMail.announcement(announcement, address, link(call, address, Verdict.APPROVE),
                        link(call, address, Verdict.DENY), urls.approval(call.approvalId()));
                messages.add(message(id, member, mail, original));
                sent.add(new SentMail(id, address, original.isPresent()));
            }
            mailer.send(messages);
        } catch (MessagingException e) {
            throw failed("could not mail approval " + call.approvalId() + " to group " + announcement.group().name(), e);
        }
        return SentMail.handle(sent);
    }

    @Override
    public void settle(String handle, Settlement settlement) {
        CallSummary call = settlement.call();
        List<MimeMessage> messages = new ArrayList<>();
        try {
            for (SentMail announced : SentMail.parse(handle)) {
                if (announced.reply()) {
                    continue;
                }
                Composed mail = ApprovalMail.outcomeForApprover(settlement, urls.approval(call.approvalId()));
                messages.add(message(messageId(call.approvalId(), settlement.outcome().name()), new InternetAddress(announced.member()),
                        mail, Optional.of(announced.messageId())));
            }
            if (!messages.isEmpty()) {
                mailer.send(messages);
            }
        } catch (MessagingException e) {
            throw failed("could not mail the outcome of approval " + call.approvalId() + " to its approvers", e);
        }
    }

    @Override
    public void concluded(Settlement settlement) {
        CallSummary call = settlement.call();
        List<InternetAddress> requester = addresses(List.of(call.requesterEmail()));
        if (requester.isEmpty()) {
            if (!call.requesterEmail().isEmpty()) {
                log.info("approval {}: the requester's e-mail '{}' is not an address; not mailing the outcome", call.approvalId(),
                        call.requesterEmail());
            }
            return;
        }
        try {
            Composed mail = ApprovalMail.outcomeForRequester(settlement, urls.approval(call.approvalId()));
            mailer.send(List.of(message(messageId(call.approvalId(), "outcome"), requester.getFirst(), mail, Optional.empty())));
        } catch (MessagingException e) {
            throw failed("could not mail the outcome of approval " + call.approvalId() + " to its requester", e);
        }
    }

    private URI link(CallSummary call, String approver, Verdict verdict) {
        return urls.emailDecision(call.approvalId(), links.sign(call.approvalId(), approver, verdict, call.deadline()));
    }

    private MimeMessage message(String id, InternetAddress to, Composed mail, Optional<String> inReplyTo) throws MessagingException {
        MimeMessage message = mailer.draft(id);
        message.setRecipient(Message.RecipientType.TO, to);
        message.setSubject(mail.subject(), "UTF-8");
        message.setSentDate(new Date());
        if (inReplyTo.isPresent()) {
            message.setHeader("In-Reply-To", inReplyTo.get());
            message.setHeader("References", inReplyTo.get());
        }
        // Notices from a machine: no out-of-office replies to them (RFC 3834).
        message.setHeader("Auto-Submitted", "auto-generated");
        MimeBodyPart text = new MimeBodyPart();
        text.setText(mail.text(), "UTF-8");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(mail.html(), "UTF-8", "html");
        // multipart/alternative: clients show the last part they can, so HTML goes last.
        MimeMultipart parts = new MimeMultipart("alternative", text, html);
        message.setContent(parts);
        return message;
    }

    /** A globally unique Message-ID that still says which approval it is about, for whoever reads raw headers. */
    private String messageId(String approvalId, String what) {
        byte[] random = new byte[9];
        RANDOM.nextBytes(random);
        return "<" + approvalId.replaceAll("[^A-Za-z0-9_-]", "_") + "." + what.toLowerCase(Locale.ROOT) + "."
                + HexFormat.of().formatHex(random) + "@" + idDomain + ">";
    }

    /** The members that are e-mail addresses, each once; members named by subject cannot be mailed. */
    private static List<InternetAddress> addresses(List<String> members) {
        Map<String, InternetAddress> addresses = new LinkedHashMap<>();
        for (String member : members) {
            if (!member.contains("@")) {
                continue;
            }
            try {
                InternetAddress address = new InternetAddress(member.strip(), true);
                addresses.putIfAbsent(address.getAddress().toLowerCase(Locale.ROOT), address);
            } catch (AddressException e) {
                log.warn("'{}' is not an e-mail address; it is not mailed ({})", member, e.getMessage());
            }
        }
        return List.copyOf(addresses.values());
    }

    private DeliveryFailedException failed(String what, MessagingException e) {
        return new DeliveryFailedException(NAME, what + " via " + mailer.server() + ": " + e.getMessage(), e);
    }
}
