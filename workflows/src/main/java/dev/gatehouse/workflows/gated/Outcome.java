package dev.gatehouse.workflows.gated;

/** Where an approval stands. Every value but {@code PENDING} is final. */
public enum Outcome {
    PENDING,
    APPROVED,
    DENIED,
    EXPIRED,
    CANCELLED;

    public boolean isFinal() {
        return this != PENDING;
    }

    /** The spelling stored in PostgreSQL and shown in the API and search attributes. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
