package dev.gatehouse.broker.auth;

/** A trusted issuer's keys cannot be fetched (discovery or JWKS down): the token is not known to be bad. */
public final class IssuerUnavailableException extends RuntimeException {
    public IssuerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
