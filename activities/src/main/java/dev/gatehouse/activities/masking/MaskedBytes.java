package dev.gatehouse.activities.masking;

import java.util.Objects;

/**
 * The bytes of a masked JSON-RPC message. When nothing was masked, {@code bytes} is the very
 * array that was passed in, so what the client receives is exactly what the upstream sent; the
 * array is never copied, so callers must not modify it.
 */
public record MaskedBytes(byte[] bytes, MaskSummary summary) {

    public MaskedBytes {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(summary, "summary");
    }

    public boolean changed() {
        return !summary.isEmpty();
    }
}
