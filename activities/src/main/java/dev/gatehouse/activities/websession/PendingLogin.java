package dev.gatehouse.activities.websession;

import java.util.Objects;

/**
 * An authorization-code login between the redirect to the IdP and its callback.
 *
 * @param state        the OAuth {@code state}, which the callback names
 * @param codeVerifier the PKCE verifier whose S256 challenge went to the IdP
 * @param nonce        what the ID token must carry back
 * @param returnTo     the UI path to land on after signing in
 */
public record PendingLogin(String state, String codeVerifier, String nonce, String returnTo) {

    public PendingLogin {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(codeVerifier, "codeVerifier");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(returnTo, "returnTo");
    }
}
