package dev.gatehouse.notifier.email;

import java.util.Objects;

/** A mail's subject and its two parts, before it is addressed and sent. */
record Composed(String subject, String text, String html) {

    Composed {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(html, "html");
        // A header line: no line breaks or other controls from a tool name or a requester's claim.
        subject = subject.replaceAll("\\p{Cntrl}", " ");
    }
}
