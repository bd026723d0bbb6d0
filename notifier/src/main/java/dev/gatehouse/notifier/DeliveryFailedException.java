package dev.gatehouse.notifier;

/** A channel could not deliver an announcement or a settlement; the message says which, to whom and why. */
public final class DeliveryFailedException extends NotifierException {

    public DeliveryFailedException(String channel, String message, Throwable cause) {
        super(channel, "channel '" + channel + "': " + message, cause);
    }
}
