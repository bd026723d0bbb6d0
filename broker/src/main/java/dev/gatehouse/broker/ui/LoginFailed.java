package dev.gatehouse.broker.ui;

/** A web UI sign-in could not be completed; the message says why and is safe to show the person. */
final class LoginFailed extends RuntimeException {

    LoginFailed(String message) {
        super(message);
    }
}
