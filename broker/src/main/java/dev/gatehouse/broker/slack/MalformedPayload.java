package dev.gatehouse.broker.slack;

/** A signed interactivity request whose payload is not one Gatehouse understands; the message says what is wrong. */
final class MalformedPayload extends RuntimeException {

    MalformedPayload(String message) {
        super(message);
    }
}
