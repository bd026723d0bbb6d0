package dev.gatehouse.broker;

import java.net.URI;

/** The broker's own resource URI, which tokens must name in {@code aud} unless an issuer says otherwise. */
public final class Audience {

    private Audience() {
    }

    public static String of(URI publicUrl) {
        String base = publicUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/mcp";
    }
}
