package dev.gatehouse.broker.config;

import java.net.URI;
import java.util.List;

/**
 * The broker's HTTP side.
 *
 * @param publicUrl      the URL clients use to reach the broker; links, protected-resource metadata and the
 *                       default token audience derive from it
 * @param allowedOrigins browser origins allowed to call the MCP endpoint; requests without {@code Origin}
 *                       (non-browser clients) are always allowed, and the public URL's origin is always allowed
 * @param maxRequestSize largest request body accepted (413 above it)
 * @param maxMessageSize largest single message accepted from an upstream: a JSON response or one SSE event
 * @param keepAliveInterval how long a held stream may stay silent before the broker sends an SSE comment
 *                       (which is also how it notices a caller who left)
 */
public record ServerSettings(
        Integer port,
        String host,
        HttpUrl publicUrl,
        List<String> allowedOrigins,
        ByteSize maxRequestSize,
        ByteSize maxMessageSize,
        java.time.Duration keepAliveInterval) {

    public static final int DEFAULT_PORT = 8080;

    public ServerSettings {
        port = port == null ? DEFAULT_PORT : port;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535");
        }
        host = host == null ? "0.0.0.0" : host;
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
        maxRequestSize = maxRequestSize == null ? ByteSize.ofMebibytes(4) : maxRequestSize;
        maxMessageSize = maxMessageSize == null ? ByteSize.ofMebibytes(16) : maxMessageSize;
        if (maxRequestSize.bytes() > MAX_SIZE.bytes()) {
            throw new IllegalArgumentException("maxRequestSize cannot be more than 1GiB");
        }
        if (maxMessageSize.bytes() > MAX_SIZE.bytes()) {
            throw new IllegalArgumentException("maxMessageSize cannot be more than 1GiB");
        }
        keepAliveInterval = keepAliveInterval == null ? java.time.Duration.ofSeconds(15) : keepAliveInterval;
        if (keepAliveInterval.toMillis() < 100) {
            throw new IllegalArgumentException("keepAliveInterval must be at least 100ms");
        }
    }

    /** Messages are held in memory whole; beyond this a limit is a mistake, not a setting. */
    private static final ByteSize MAX_SIZE = ByteSize.ofMebibytes(1024);

    public static ServerSettings defaults() {
        return new ServerSettings(null, null, null, null, null, null, null);
    }

    /**
     * The public URL without a trailing slash, or {@code http://localhost:<port>} when none is
     * configured; every link, audience and metadata URL is this plus a path.
     */
    public URI effectivePublicUrl(int boundPort) {
        return publicUrl != null ? URI.create(publicUrl.base()) : URI.create("http://localhost:" + boundPort);
    }

    public ServerSettings withPort(int newPort) {
        return new ServerSettings(newPort, host, publicUrl, allowedOrigins, maxRequestSize, maxMessageSize, keepAliveInterval);
    }

    public ServerSettings withPublicUrl(HttpUrl newPublicUrl) {
        return new ServerSettings(port, host, newPublicUrl, allowedOrigins, maxRequestSize, maxMessageSize, keepAliveInterval);
    }

    public ServerSettings withHost(String newHost) {
        return new ServerSettings(port, newHost, publicUrl, allowedOrigins, maxRequestSize, maxMessageSize, keepAliveInterval);
    }
}
