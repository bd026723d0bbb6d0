package dev.gatehouse.notifier.email;

import java.util.Objects;

/** What checking a decision link's token found. Only {@link Valid} may decide anything. */
public sealed interface LinkCheck {

    /** Signed by us and not expired. */
    record Valid(LinkClaims claims) implements LinkCheck {
        public Valid {
            Objects.requireNonNull(claims, "claims");
        }
    }

    /** Signed by us, but past its expiry: the claims can be trusted (for the record), the decision cannot be made. */
    record Expired(LinkClaims claims) implements LinkCheck {
        public Expired {
            Objects.requireNonNull(claims, "claims");
        }
    }

    /** Shaped like a link of ours, but the signature does not match: changed, or signed with another key. */
    record Tampered() implements LinkCheck {
    }

    /** Not a decision link at all (cut short, not a JWS, missing claims). */
    record Malformed(String why) implements LinkCheck {
        public Malformed {
            Objects.requireNonNull(why, "why");
        }
    }
}
