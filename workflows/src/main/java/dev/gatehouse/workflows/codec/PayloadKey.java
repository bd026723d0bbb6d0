package dev.gatehouse.workflows.codec;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The AES-256 key that encrypts Temporal payloads ({@code temporal.payloadKey}). Immutable and
 * thread-safe; neither {@link #toString()} nor any error message ever shows the key, only its
 * {@link #fingerprint()}.
 */
public final class PayloadKey {

    /** AES-256. */
    public static final int LENGTH = 32;

    private static final String HINT = "generate one with: openssl rand -base64 32";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;
    private final String fingerprint;

    private PayloadKey(byte[] bytes) {
        this.bytes = bytes;
        this.fingerprint = fingerprintOf(bytes);
    }

    /** Parses base64 (standard or URL-safe, padding optional); errors name the value as "payload key". */
    public static PayloadKey parse(String value) {
        return parse(value, "payload key");
    }

    /**
     * Parses base64 (standard or URL-safe, padding optional) of exactly {@value #LENGTH} bytes.
     * Error messages start with {@code where} (e.g. {@code payloadKey}) and say what is wrong, never
     * what the value was.
     *
     * @throws IllegalArgumentException when the value is missing, not base64 or not 32 bytes long
     */
    public static PayloadKey parse(String value, String where) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(where + " is empty; it must be " + LENGTH + " random bytes in base64 (" + HINT + ")");
        }
        String text = value.strip();
        byte[] decoded;
        try {
            // Whichever alphabet the text uses; padding is optional in both decoders.
            Base64.Decoder decoder = text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder();
            decoded = decoder.decode(text);
        } catch (IllegalArgumentException e) {
            // The decoder's own message quotes the offending character: a piece of the secret. No cause kept for that reason.
            throw new IllegalArgumentException(where + " is not base64 (standard or URL-safe); it must be " + LENGTH
                    + " random bytes in base64 (" + HINT + ")");
        }
        if (decoded.length != LENGTH) {
            int found = decoded.length;
            Arrays.fill(decoded, (byte) 0);
            throw new IllegalArgumentException(where + " decodes to " + found + " bytes; AES-256 needs exactly " + LENGTH
                    + " (" + HINT + ")");
        }
        return new PayloadKey(decoded);
    }

    /** A fresh random key, for dev mode: its payloads live only as long as its in-memory Temporal server. */
    public static PayloadKey generate() {
        byte[] bytes = new byte[LENGTH];
        RANDOM.nextBytes(bytes);
        return new PayloadKey(bytes);
    }

    /**
     * The first 16 hex digits of SHA-256 over the key: names the key in payload metadata, logs and
     * errors. Safe to show: the key is 256 uniformly random bits, so the hash reveals nothing usable.
     */
    public String fingerprint() {
        return fingerprint;
    }

    SecretKey secretKey() {
        return new SecretKeySpec(bytes, "AES");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PayloadKey other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return "PayloadKey[fingerprint=" + fingerprint + "]";
    }

    private static String fingerprintOf(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
