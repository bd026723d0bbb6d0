package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A compiled masking profile: its detectors, custom patterns and field-path rules, applied to
 * JSON-RPC messages and JSON values. Immutable and thread-safe; compile it once with
 * {@link MaskingProfiles#compile} and share it. Inputs are never modified.
 */
public final class MaskingProfile {

    private final String name;
    private final String[] counterNames;
    private final MessageWalker walker;
    private final PreScan preScan;

    MaskingProfile(String name, StringMasker strings, PathRules paths, String[] counterNames) {
        this.name = name;
        this.counterNames = counterNames.clone();
        this.walker = new MessageWalker(strings, paths);
        this.preScan = new PreScan(strings, paths);
    }

    public String name() {
        return name;
    }

    /** Masks a JSON-RPC message (or batch) read from the wire; the result shares nothing with {@code message}. */
    public Masked mask(JsonNode message) {
        Objects.requireNonNull(message, "message");
        MaskCall call = new MaskCall(counterNames);
        JsonNode masked = walker.message(message, call);
        return new Masked(masked.deepCopy(), call.summary());
    }

    /**
     * Masks the bytes of one JSON-RPC message (or batch). When nothing is masked the result holds
     * {@code jsonRpcMessage} itself, so the client gets the upstream's bytes exactly; otherwise
     * the masked message written compactly in UTF-8. Not JSON, or more than one JSON value, is an
     * {@link IllegalArgumentException}.
     */
    public MaskedBytes mask(byte[] jsonRpcMessage) {
        Objects.requireNonNull(jsonRpcMessage, "jsonRpcMessage");
        MaskCall call = new MaskCall(counterNames);
        if (!preScan.mightChange(jsonRpcMessage, call)) {
            return new MaskedBytes(jsonRpcMessage, MaskSummary.none());
        }
        JsonNode masked = walker.message(JsonCodec.read(jsonRpcMessage), call);
        MaskSummary summary = call.summary();
        // The pre-scan is conservative: when the walk masked nothing after all, the bytes stay as they came.
        return summary.isEmpty()
                ? new MaskedBytes(jsonRpcMessage, summary)
                : new MaskedBytes(JsonCodec.write(masked), summary);
    }

    /**
     * Masks every string of an arbitrary JSON value, all of it treated as user data, with
     * field-path rules applied from its root (tool arguments in approval previews).
     */
    public Masked maskValue(JsonNode value) {
        Objects.requireNonNull(value, "value");
        MaskCall call = new MaskCall(counterNames);
        JsonNode masked = walker.value(value, call);
        return new Masked(masked.deepCopy(), call.summary());
    }

    @Override
    public String toString() {
        return "MaskingProfile[" + name + "]";
    }
}
