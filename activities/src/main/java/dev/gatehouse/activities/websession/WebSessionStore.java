package dev.gatehouse.activities.websession;

import org.jdbi.v3.core.Jdbi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Web UI sign-ins in PostgreSQL, so any broker replica serves any signed-in person and any login
 * callback. Session tokens are stored only as their SHA-256: the cookie is the secret. Thread-safe.
 */
public final class WebSessionStore {

    /** A login not completed within this time is refused (and swept). */
    public static final Duration LOGIN_LIFETIME = Duration.ofMinutes(10);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Jdbi jdbi;

    public WebSessionStore(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
    }

    /** 256 random bits, URL-safe: session tokens, CSRF tokens, OAuth state, nonces and PKCE verifiers. */
    public static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Keeps a login until its callback; also sweeps logins nobody completed. */
    public void beginLogin(PendingLogin login) {
        jdbi.useHandle(h -> {
            h.createUpdate("delete from web_login where created_at < now() - make_interval(secs => :secs)")
                    .bind("secs", LOGIN_LIFETIME.toSeconds())
                    .execute();
            h.createUpdate("insert into web_login (state, code_verifier, nonce, return_to) values (:state, :verifier, :nonce, :returnTo)")
                    .bind("state", login.state())
                    .bind("verifier", login.codeVerifier())
                    .bind("nonce", login.nonce())
                    .bind("returnTo", login.returnTo())
                    .execute();
        });
    }

    /** The login {@code state} names, removed so it cannot be completed twice; empty when unknown or too old. */
    public Optional<PendingLogin> takeLogin(String state) {
        return jdbi.withHandle(h -> h.createQuery("""
                        delete from web_login where state = :state
                        returning state, code_verifier, nonce, return_to, created_at > now() - make_interval(secs => :secs) as fresh""")
                .bind("state", state)
                .bind("secs", LOGIN_LIFETIME.toSeconds())
                .map((rs, ctx) -> rs.getBoolean("fresh")
                        ? Optional.of(new PendingLogin(rs.getString("state"), rs.getString("code_verifier"), rs.getString("nonce"),
                                rs.getString("return_to")))
                        : Optional.<PendingLogin>empty())
                .findOne()
                .flatMap(found -> found));
    }

    /**
     * Starts a session for someone who just signed in; returns the token for their cookie.
     * Expired sessions are swept on the way.
     */
    public String create(WebSession session) {
        String token = randomToken();
        jdbi.useHandle(h -> {
            h.createUpdate("delete from web_session where expires_at < now()").execute();
            h.createUpdate("""
                            insert into web_session (token_hash, issuer, subject, email, groups, csrf_token, expires_at)
                            values (:hash, :issuer, :subject, :email, :groups, :csrf, :expires)""")
                    .bind("hash", hash(token))
                    .bind("issuer", session.issuer())
                    .bind("subject", session.subject())
                    .bind("email", session.email().orElse(null))
                    .bindArray("groups", String.class, session.groups())
                    .bind("csrf", session.csrfToken())
                    .bind("expires", Timestamp.from(session.expiresAt()))
                    .execute();
        });
        return token;
    }

    /** The live session a cookie's token names; empty when unknown, signed out or expired. */
    public Optional<WebSession> find(String token) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select issuer, subject, email, groups, csrf_token, expires_at from web_session
                        where token_hash = :hash and expires_at > now()""")
                .bind("hash", hash(token))
                .map((rs, ctx) -> new WebSession(rs.getString("issuer"), rs.getString("subject"),
                        Optional.ofNullable(rs.getString("email")), strings(rs.getArray("groups")), rs.getString("csrf_token"),
                        rs.getTimestamp("expires_at").toInstant()))
                .findOne());
    }

    /** Signs out: the token is worthless from now on, on every replica. */
    public void delete(String token) {
        jdbi.useHandle(h -> h.createUpdate("delete from web_session where token_hash = :hash").bind("hash", hash(token)).execute());
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }

    private static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

}
