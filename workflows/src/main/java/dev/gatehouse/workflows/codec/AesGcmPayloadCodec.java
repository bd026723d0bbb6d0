package dev.gatehouse.workflows.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encrypts every Temporal payload with AES-256-GCM, so workflow history holds no plaintext
 * arguments or results (DESIGN.md "GatedCallWorkflow"). Encodes with the current key; decodes
 * with the current key or any previous one, so keys can be rotated without losing open
 * workflows. Thread-safe.
 *
 * <p>An encrypted payload carries {@code encoding: binary/encrypted} and
 * {@code encryption-key-id: <fingerprint>} in its metadata, and {@code nonce ‖ ciphertext ‖ tag}
 * as data, where the plaintext is the whole original payload (metadata included).
 */
public final class AesGcmPayloadCodec implements PayloadCodec {

    public static final String ENCODING = "binary/encrypted";
    public static final String METADATA_ENCODING = "encoding";
    public static final String METADATA_KEY_ID = "encryption-key-id";

    private static final ByteString ENCODING_BYTES = ByteString.copyFromUtf8(ENCODING);
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PayloadKey current;
    private final Map<String, PayloadKey> byId;

    /** Encodes and decodes with {@code key} only. */
    public AesGcmPayloadCodec(PayloadKey key) {
        this(key, List.of());
    }

    /** Encodes with {@code current}; decodes with it or any of {@code previous} (key rotation). */
    public AesGcmPayloadCodec(PayloadKey current, List<PayloadKey> previous) {
        if (current == null) {
            throw new IllegalArgumentException("a current payload key is required");
        }
        Map<String, PayloadKey> keys = new LinkedHashMap<>();
        keys.put(current.fingerprint(), current);
        previous.forEach(k -> keys.putIfAbsent(k.fingerprint(), k));
        this.current = current;
        this.byId = Map.copyOf(keys);
    }

    @Override
    public List<Payload> encode(List<Payload> payloads) {
        List<Payload> out = new ArrayList<>(payloads.size());
        for (Payload payload : payloads) {
            out.add(encrypt(payload));
        }
        return out;
    }

    @Override
    public List<Payload> decode(List<Payload> payloads) {
        List<Payload> out = new ArrayList<>(payloads.size());
        for (Payload payload : payloads) {
            // History written before encryption was switched on (or by another converter) stays readable:
            // only payloads marked as ours are decrypted, everything else is handed on untouched.
            out.add(ENCODING_BYTES.equals(payload.getMetadataOrDefault(METADATA_ENCODING, ByteString.EMPTY))
                    ? decrypt(payload)
                    : payload);
        }
        return out;
    }

    private Payload encrypt(Payload payload) {
        // GCM with one key is only secure while no nonce ever repeats; a random 96-bit nonce per
        // payload keeps the chance of a repeat negligible for far more payloads than a broker writes
        // (NIST SP 800-38D, section 8.3), with no counter to persist or coordinate between replicas.
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        byte[] sealed;
        try {
            // A Cipher is stateful and not thread-safe; a new one per payload is cheap next to a gRPC call.
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, current.secretKey(), new GCMParameterSpec(TAG_BITS, nonce));
            sealed = cipher.doFinal(payload.toByteArray());
        } catch (GeneralSecurityException e) {
            throw new PayloadCodecException("cannot encrypt a payload with key " + current.fingerprint(), e);
        }
        byte[] data = new byte[NONCE_BYTES + sealed.length];
        System.arraycopy(nonce, 0, data, 0, NONCE_BYTES);
        System.arraycopy(sealed, 0, data, NONCE_BYTES, sealed.length);
        return Payload.newBuilder()
                .putMetadata(METADATA_ENCODING, ENCODING_BYTES)
                .putMetadata(METADATA_KEY_ID, ByteString.copyFromUtf8(current.fingerprint()))
                .setData(ByteString.copyFrom(data))
                .build();
    }

    private Payload decrypt(Payload payload) {
        String keyId = payload.getMetadataOrDefault(METADATA_KEY_ID, ByteString.EMPTY).toStringUtf8();
        PayloadKey key = byId.get(keyId);
        if (key == null) {
            throw new PayloadCodecException("cannot decrypt a payload encrypted with key "
                    + (keyId.isEmpty() ? "(no key id)" : keyId) + ": " + configured()
                    + "; configure the key it was written with (temporal.payloadKey)");
        }
        byte[] data = payload.getData().toByteArray();
        if (data.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new PayloadCodecException("cannot decrypt a payload encrypted with key " + keyId + ": it is "
                    + data.length + " bytes, shorter than a nonce and a tag");
        }
        byte[] plain;
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key.secretKey(), new GCMParameterSpec(TAG_BITS, data, 0, NONCE_BYTES));
            plain = cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new PayloadCodecException("payload encrypted with key " + keyId + " failed authentication ("
                    + configured() + "): it was altered after it was written, or its key id is not the key that encrypted it", e);
        } catch (GeneralSecurityException e) {
            throw new PayloadCodecException("cannot decrypt a payload encrypted with key " + keyId, e);
        }
        try {
            return Payload.parseFrom(plain);
        } catch (InvalidProtocolBufferException e) {
            throw new PayloadCodecException("payload encrypted with key " + keyId + " decrypted to something that is not a payload", e);
        }
    }

    /** Which keys this codec holds, by fingerprint, for errors. */
    private String configured() {
        List<String> previous = byId.keySet().stream().filter(id -> !id.equals(current.fingerprint())).sorted().toList();
        return "the configured payload key is " + current.fingerprint()
                + (previous.isEmpty() ? "" : " (previous keys: " + String.join(", ", previous) + ")");
    }

    public String keyId() {
        return current.fingerprint();
    }

    @Override
    public String toString() {
        return "AesGcmPayloadCodec[key=" + current.fingerprint() + ", decodes=" + byId.keySet().stream().sorted().toList() + "]";
    }
}
