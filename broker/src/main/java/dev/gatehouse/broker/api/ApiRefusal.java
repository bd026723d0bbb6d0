package dev.gatehouse.broker.api;

import java.util.Objects;

/**
 * The JSON API refuses a request. The message is safe to show the caller and says what to change
 * (which parameter, which role). Turned into an HTTP status and a JSON body in one place
 * ({@code HttpErrors}).
 */
public final class ApiRefusal extends RuntimeException {

    /** Every way the API refuses, with its HTTP status and the {@code error} code of the body. */
    public enum Reason {
        BAD_REQUEST(400, "bad_request"),
        UNAUTHENTICATED(401, "unauthenticated"),
        FORBIDDEN(403, "forbidden"),
        NOT_FOUND(404, "not_found"),
        CONFLICT(409, "conflict"),
        TOO_MANY_REQUESTS(429, "too_many_requests"),
        UNAVAILABLE(503, "unavailable");

        private final int httpStatus;
        private final String code;

        Reason(int httpStatus, String code) {
            this.httpStatus = httpStatus;
            this.code = code;
        }

        public int httpStatus() {
            return httpStatus;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public ApiRefusal(Reason reason, String message) {
        this(reason, message, null);
    }

    public ApiRefusal(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
