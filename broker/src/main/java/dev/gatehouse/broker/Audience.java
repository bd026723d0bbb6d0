package dev.gatehouse.broker;

import java.net.URI;

/** The broker's own resource URI, which tokens must name in {@code aud} unless an issuer says otherwise. */
public final class Audience {

    private Audience() {
    }

    /** @param publicUrl as {@link dev.gatehouse.broker.config.ServerSettings#effectivePublicUrl}, without a trailing slash */
    public static String of(URI publicUrl) {
        return publicUrl + "/mcp";
    }
}
