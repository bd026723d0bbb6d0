package dev.gatehouse.broker.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.net.URI;
import java.net.URISyntaxException;

/** An absolute http(s) URL from configuration. */
public record HttpUrl(URI uri) {

    public HttpUrl {
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("must be an absolute http:// or https:// URL");
        }
        if (uri.getRawUserInfo() != null) {
            // Credentials in a URL end up in logs and error messages; headers are the place for them.
            throw new IllegalArgumentException("must not contain user:password@; put credentials in headers");
        }
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static HttpUrl parse(String text) {
        try {
            return new HttpUrl(new URI(text.trim()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("must be an absolute http:// or https:// URL (" + e.getReason() + ")");
        }
    }

    /** True for https, and for plain http only on loopback (tests and dev): what keys and secrets may travel over. */
    public boolean isHttpsOrLoopback() {
        String host = uri.getHost();
        boolean loopback = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1");
        return uri.getScheme().equals("https") || loopback;
    }

    /** The URL without a trailing slash, for joining paths. */
    public String base() {
        String s = uri.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    @JsonValue
    public String text() {
        return uri.toString();
    }

    /** The URL with any query string elided: queries may carry API keys, and this is what logs show. */
    @Override
    public String toString() {
        return uri.getRawQuery() == null ? uri.toString() : uri.toString().replace(uri.getRawQuery(), "…");
    }
}
