package dev.gatehouse.notifier;

/** The root of the notifier's failures; every one names the channel it concerns. */
public abstract sealed class NotifierException extends RuntimeException permits DeliveryFailedException {

    private final String channel;

    NotifierException(String channel, String message, Throwable cause) {
        super(message, cause);
        this.channel = channel;
    }

    public String channel() {
        return channel;
    }
}
