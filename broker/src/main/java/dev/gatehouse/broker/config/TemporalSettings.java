package dev.gatehouse.broker.config;

import dev.gatehouse.workflows.codec.PayloadKey;

import java.util.Objects;
import java.util.Optional;

/**
 * The Temporal cluster gated calls run on. {@code payloadKey} (base64 of 32 bytes) encrypts every
 * payload; a malformed one is refused here, a missing one by {@link ConfigLoader} (dev mode builds
 * these settings without one and brings its own key). The key is never shown by {@link #toString()}.
 */
public record TemporalSettings(String target, String namespace, String payloadKey, String taskQueue) {

    public TemporalSettings {
        Objects.requireNonNull(target, "target is required (host:port)");
        namespace = namespace == null ? "default" : namespace;
        taskQueue = taskQueue == null ? "gatehouse" : taskQueue;
        if (payloadKey != null) {
            // The message starts with the key's name, so the loader reports it at temporal.payloadKey.
            PayloadKey.parse(payloadKey, "payloadKey");
        }
    }

    /** The parsed {@code payloadKey}; empty when the settings carry none. */
    public Optional<PayloadKey> encryptionKey() {
        return payloadKey == null ? Optional.empty() : Optional.of(PayloadKey.parse(payloadKey, "payloadKey"));
    }

    @Override
    public String toString() {
        return "TemporalSettings[target=" + target + ", namespace=" + namespace + ", taskQueue=" + taskQueue
                + encryptionKey().map(k -> ", payloadKey=" + k.fingerprint()).orElse("") + "]";
    }
}
