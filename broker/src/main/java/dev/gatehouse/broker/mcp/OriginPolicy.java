package dev.gatehouse.broker.mcp;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Which browser origins may call the MCP endpoint (DNS-rebinding protection, MCP 2025-11-25:
 * an invalid {@code Origin} gets 403). Requests without {@code Origin} come from non-browser
 * clients and are allowed; their token is what protects them.
 */
public final class OriginPolicy {

    private final Set<String> allowed;
    private final boolean allowLoopback;

    /**
     * @param allowLoopback also allow any {@code http://localhost:*} / {@code 127.0.0.1} origin (dev mode only)
     */
    public OriginPolicy(URI publicUrl, Iterable<String> configured, boolean allowLoopback) {
        this.allowed = Stream.concat(Stream.of(originOf(publicUrl)),
                        StreamSupport.stream(configured.spliterator(), false).map(OriginPolicy::normalise))
                .collect(Collectors.toUnmodifiableSet());
        this.allowLoopback = allowLoopback;
    }

    public boolean permits(String origin) {
        if (origin == null) {
            return true;
        }
        String o = normalise(origin);
        if (allowed.contains(o)) {
            return true;
        }
        if (allowLoopback) {
            try {
                String host = URI.create(o).getHost();
                return host != null && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return false;
    }

    private static String originOf(URI url) {
        String origin = url.getScheme() + "://" + url.getHost();
        return normalise(url.getPort() < 0 ? origin : origin + ":" + url.getPort());
    }

    private static String normalise(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (o.endsWith("/")) {
            o = o.substring(0, o.length() - 1);
        }
        if (o.startsWith("http://") && o.endsWith(":80")) {
            o = o.substring(0, o.length() - 3);
        } else if (o.startsWith("https://") && o.endsWith(":443")) {
            o = o.substring(0, o.length() - 4);
        }
        return o;
    }
}
