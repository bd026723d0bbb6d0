package dev.gatehouse.broker.recording;

/**
 * An event could not be recorded (the audit store is down, behind, or refused it). What depends on
 * the record must not happen: the message is not forwarded or not relayed.
 */
public final class RecordingUnavailableException extends RuntimeException {
    public RecordingUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
