package dev.gatehouse.workflows.gated;

/** Why a decision was refused: the {@code ApplicationFailure} type the {@code decide} validator throws. */
public enum DecisionRefusal {
    /** The decider is in none of the groups that may decide now. */
    NOT_ELIGIBLE,
    /** The decider made the call. */
    SELF_APPROVAL,
    /** The decider has decided on this call already. */
    ALREADY_DECIDED_BY_YOU,
    /** The call has its outcome (the message names who decided it, or that it expired or was cancelled). */
    ALREADY_DECIDED;

    /** The refusal an {@code ApplicationFailure} type names, if it is one. */
    public static java.util.Optional<DecisionRefusal> fromType(String type) {
        for (DecisionRefusal refusal : values()) {
            if (refusal.name().equals(type)) {
                return java.util.Optional.of(refusal);
            }
        }
        return java.util.Optional.empty();
    }
}
