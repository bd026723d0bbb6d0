package dev.gatehouse.broker.auth;

/**
 * A request carries no usable credential. The message is safe to show the caller: it says what
 * was wrong (expired, wrong audience, unknown issuer) without echoing the token.
 */
public final class AuthenticationException extends RuntimeException {
    public AuthenticationException(String message) {
        super(message);
    }

    public AuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
