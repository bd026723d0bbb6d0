package dev.gatehouse.broker.config;

import java.util.Objects;

/** The Temporal cluster gated calls run on; the payload key is never shown by {@link #toString()}. */
public record TemporalSettings(String target, String namespace, String payloadKey, String taskQueue) {

    public TemporalSettings {
        Objects.requireNonNull(target, "target is required (host:port)");
        namespace = namespace == null ? "default" : namespace;
        taskQueue = taskQueue == null ? "gatehouse" : taskQueue;
    }

    @Override
    public String toString() {
        return "TemporalSettings[target=" + target + ", namespace=" + namespace + ", taskQueue=" + taskQueue + "]";
    }
}
