package dev.gatehouse.activities.websession;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A person signed in to the web UI: who the IdP said they are when they signed in, and the token
 * the UI must send back on every POST (CSRF).
 *
 * @param email only when the IdP vouched for it
 */
public record WebSession(String issuer, String subject, Optional<String> email, List<String> groups, String csrfToken,
                         Instant expiresAt) {

    public WebSession {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(email, "email");
        groups = List.copyOf(groups);
        Objects.requireNonNull(csrfToken, "csrfToken");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
