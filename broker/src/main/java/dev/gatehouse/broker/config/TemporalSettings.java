package dev.gatehouse.broker.config;

import dev.gatehouse.workflows.codec.PayloadKey;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Temporal cluster gated calls run on. {@code payloadKey} (base64 of 32 bytes) encrypts every
 * payload; a malformed one is refused here, a missing one by {@link ConfigLoader} (dev mode builds
 * these settings without one and brings its own key). No key, nor the API key, is shown by {@link #toString()}.
 *
 * @param previousPayloadKeys keys payloads were encrypted with before {@code payloadKey}: still read, never
 *                            written, so the key can be rotated while workflows are open
 * @param tls                 how to reach a cluster over TLS (mTLS with a client certificate); absent: plain gRPC
 * @param apiKey              a Temporal Cloud API key, sent with every call (implies TLS)
 */
public record TemporalSettings(String target, String namespace, String payloadKey, String taskQueue,
                               List<String> previousPayloadKeys, TemporalTls tls, String apiKey) {

    public TemporalSettings {
        Objects.requireNonNull(target, "target is required (host:port)");
        namespace = namespace == null ? "default" : namespace;
        taskQueue = taskQueue == null ? "gatehouse" : taskQueue;
        previousPayloadKeys = previousPayloadKeys == null ? List.of() : List.copyOf(previousPayloadKeys);
        if (payloadKey != null) {
            // The message starts with the key's name, so the loader reports it at temporal.payloadKey.
            PayloadKey.parse(payloadKey, "payloadKey");
        }
        for (String previous : previousPayloadKeys) {
            PayloadKey.parse(previous, "previousPayloadKeys");
        }
        apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    }

    /** Plain gRPC with no previous keys: how dev mode and tests reach their own server. */
    public TemporalSettings(String target, String namespace, String payloadKey, String taskQueue) {
        this(target, namespace, payloadKey, taskQueue, null, null, null);
    }

    /** The parsed {@code payloadKey}; empty when the settings carry none. */
    public Optional<PayloadKey> encryptionKey() {
        return payloadKey == null ? Optional.empty() : Optional.of(PayloadKey.parse(payloadKey, "payloadKey"));
    }

    /** The parsed {@code previousPayloadKeys}. */
    public List<PayloadKey> decryptionOnlyKeys() {
        return previousPayloadKeys.stream().map(k -> PayloadKey.parse(k, "previousPayloadKeys")).toList();
    }

    /** True when the cluster is reached over TLS: configured, or implied by an API key. */
    public boolean usesTls() {
        return tls != null || apiKey != null;
    }

    @Override
    public String toString() {
        return "TemporalSettings[target=" + target + ", namespace=" + namespace + ", taskQueue=" + taskQueue
                + encryptionKey().map(k -> ", payloadKey=" + k.fingerprint()).orElse("")
                + (previousPayloadKeys.isEmpty() ? "" : ", previousPayloadKeys="
                        + decryptionOnlyKeys().stream().map(PayloadKey::fingerprint).toList())
                + (tls != null ? ", " + tls : "") + (apiKey != null ? ", apiKey=***" : "") + "]";
    }
}
