package dev.gatehouse.broker.auth;

import dev.gatehouse.activities.websession.WebSessionStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** A PKCE pair (RFC 7636, method S256): the verifier stays with the client, the challenge goes to the IdP. */
public record Pkce(String verifier, String challenge) {

    public static Pkce create() {
        String verifier = WebSessionStore.randomToken();
        return new Pkce(verifier, challengeOf(verifier));
    }

    /** {@code BASE64URL(SHA-256(verifier))}, unpadded. */
    public static String challengeOf(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
