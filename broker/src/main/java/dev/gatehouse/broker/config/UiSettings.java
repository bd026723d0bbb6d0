package dev.gatehouse.broker.config;

import java.time.Duration;

/**
 * The web UI: how people sign in, how long they stay signed in, and where Temporal UI is.
 *
 * @param login           the OIDC client people sign in with; dev mode signs in with its dev issuer when absent, and
 *                        without it {@code serve} offers no sign-in (the JSON API still takes bearer tokens)
 * @param sessionLifetime how long a sign-in lasts (its groups are those of the sign-in), at most a day
 * @param temporalUiUrl   the base URL of Temporal UI, for links from an approval to its workflow; none when absent
 */
public record UiSettings(LoginSettings login, Duration sessionLifetime, HttpUrl temporalUiUrl) {

    private static final Duration MAX_SESSION = Duration.ofHours(24);

    public UiSettings {
        sessionLifetime = sessionLifetime == null ? Duration.ofHours(8) : sessionLifetime;
        if (sessionLifetime.compareTo(Duration.ofMinutes(1)) < 0 || sessionLifetime.compareTo(MAX_SESSION) > 0) {
            // Groups are read at sign-in: someone removed from a role keeps it until the sign-in ends.
            throw new IllegalArgumentException("sessionLifetime must be between 1m and 24h");
        }
    }

    public static UiSettings defaults() {
        return new UiSettings(null, null, null);
    }

    public UiSettings withLogin(LoginSettings newLogin) {
        return new UiSettings(newLogin, sessionLifetime, temporalUiUrl);
    }

    /**
     * The OIDC client of the web UI (authorization code with PKCE). The IdP must allow the redirect
     * URI {@code <publicUrl>/ui/callback}.
     *
     * @param issuer       one of {@code identity.issuers}: groups are read from its ID tokens as configured there
     * @param clientId     the client registered at the IdP; the ID token's audience
     * @param clientSecret for confidential clients; public clients (PKCE only) leave it out
     */
    public record LoginSettings(HttpUrl issuer, String clientId, String clientSecret) {

        public LoginSettings {
            if (issuer == null) {
                throw new IllegalArgumentException("issuer is required (one of identity.issuers)");
            }
            if (clientId == null || clientId.isBlank()) {
                throw new IllegalArgumentException("clientId is required (the web UI's client at the IdP)");
            }
            clientSecret = clientSecret == null || clientSecret.isEmpty() ? null : clientSecret;
        }

        @Override
        public String toString() {
            return "LoginSettings[issuer=" + issuer + ", clientId=" + clientId + ", clientSecret="
                    + (clientSecret == null ? "none" : "(hidden)") + "]";
        }
    }
}
