package dev.gatehouse.broker.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the broker speaks to an upstream. Clients always speak Streamable HTTP to the broker. */
public enum UpstreamTransport {
    STREAMABLE_HTTP("streamable-http"),
    SSE("sse");

    private final String configName;

    UpstreamTransport(String configName) {
        this.configName = configName;
    }

    @JsonCreator
    public static UpstreamTransport parse(String text) {
        for (UpstreamTransport t : values()) {
            if (t.configName.equals(text)) {
                return t;
            }
        }
        throw new IllegalArgumentException("must be one of streamable-http, sse");
    }

    @JsonValue
    public String configName() {
        return configName;
    }
}
