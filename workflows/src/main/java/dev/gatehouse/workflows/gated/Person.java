package dev.gatehouse.workflows.gated;

import java.util.Locale;
import java.util.Objects;

/**
 * A human deciding on a call, identified as their token (or the channel that vouched for them)
 * named them. {@code email} is "" when unknown.
 */
public record Person(String subject, String email) {

    public Person {
        Objects.requireNonNull(subject, "subject");
        email = email == null ? "" : email;
    }

    /** True when this person is the one listed as {@code member} (an e-mail, compared case-insensitively, or a subject). */
    public boolean is(String member) {
        return member.equals(subject) || (!email.isEmpty() && member.toLowerCase(Locale.ROOT).equals(email.toLowerCase(Locale.ROOT)));
    }

    /**
     * True when {@code other} is the same human: the same subject, or the same e-mail. One person decides as
     * their token's subject in the web inbox and as their address from Slack or an e-mailed link, and must
     * count once.
     */
    public boolean isSamePersonAs(Person other) {
        return subject.equals(other.subject) || (!email.isEmpty() && email.equalsIgnoreCase(other.email));
    }

    /** True when this person made the call: nobody approves their own call. */
    public boolean isRequester(Requester requester) {
        return subject.equals(requester.subject())
                || (!email.isEmpty() && email.equalsIgnoreCase(requester.email()));
    }

    /** The name shown to others: the e-mail when known. */
    public String display() {
        return email.isEmpty() ? subject : email;
    }
}
