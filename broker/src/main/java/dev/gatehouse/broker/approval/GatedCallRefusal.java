package dev.gatehouse.broker.approval;

import java.util.Map;
import java.util.Objects;

/** A gated call cannot be held: too many of the caller's approvals wait already, or the workflow engine is unreachable. */
public final class GatedCallRefusal extends RuntimeException {

    public enum Reason {
        TOO_MANY_PENDING,
        ENGINE_UNAVAILABLE
    }

    private final Reason reason;
    private final Map<String, Object> data;

    GatedCallRefusal(Reason reason, String message, Map<String, Object> data, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.data = Map.copyOf(data);
    }

    public Reason reason() {
        return reason;
    }

    /** What the caller may act on (the limit, the approval id), for the JSON-RPC error's data. */
    public Map<String, Object> data() {
        return data;
    }
}
