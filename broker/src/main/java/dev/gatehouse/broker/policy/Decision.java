package dev.gatehouse.broker.policy;

import dev.gatehouse.broker.config.ApprovalSettings;

import java.util.Optional;

/**
 * What the policy decided for one call, with the rule that decided it and the version of the
 * policy set it came from (so a record says which policy was in force).
 */
public sealed interface Decision {

    /** The matching rule's name; {@link #DEFAULT_DENY} when no rule matched. */
    String rule();

    /** SHA-256 over the policy set as loaded, hex, first 16 characters. */
    String policyVersion();

    String DEFAULT_DENY = "default deny";

    record Allow(String rule, String policyVersion, Optional<String> mask) implements Decision {
    }

    record Deny(String rule, String policyVersion, String reason) implements Decision {
    }

    /** @param reason the rule's {@code reason}, shown to approvers; "" when it gives none */
    record Approve(String rule, String policyVersion, ApprovalSettings approval, Optional<String> mask, String reason)
            implements Decision {
        public Approve {
            reason = reason == null ? "" : reason;
        }
    }

    /** The deciding rule needs OAuth scopes the caller's token lacks: 403 {@code insufficient_scope}. */
    record InsufficientScope(String rule, String policyVersion, java.util.List<String> required) implements Decision {
        public InsufficientScope {
            required = java.util.List.copyOf(required);
        }
    }
}
