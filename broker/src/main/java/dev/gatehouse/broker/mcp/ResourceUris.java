package dev.gatehouse.broker.mcp;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks that a resource URI a policy decides on is written in its one normal form (RFC 3986 §6).
 * The broker forwards the caller's bytes, so it cannot normalise the URI itself; if it let
 * {@code file:///public/../secret} or {@code crm://customers/%63-1003} through, a rule written for
 * the normal spelling would decide on something other than what the upstream resolves.
 */
final class ResourceUris {

    private static final Pattern DOT_SEGMENT = Pattern.compile("(^|/)\\.{1,2}(/|$)");
    /** Percent-encoded unreserved characters (ALPHA, DIGIT, '-', '.', '_', '~') have a plain spelling. */
    private static final Pattern NEEDLESS_ESCAPE = Pattern.compile("%(4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|3[0-9]|2D|2E|5F|7E)",
            Pattern.CASE_INSENSITIVE);

    private ResourceUris() {
    }

    /** Why {@code uri} is not in normal form, or empty when it is. */
    static Optional<String> problem(String uri) {
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            return Optional.of("it has no scheme");
        }
        String scheme = uri.substring(0, colon);
        if (!scheme.equals(scheme.toLowerCase(Locale.ROOT))) {
            return Optional.of("its scheme is not lower-case");
        }
        if (uri.indexOf('#') >= 0) {
            return Optional.of("it has a fragment");
        }
        String rest = uri.substring(colon + 1);
        String path = rest.split("[?]", 2)[0];
        if (DOT_SEGMENT.matcher(path).find()) {
            return Optional.of("it has '.' or '..' segments");
        }
        if (NEEDLESS_ESCAPE.matcher(rest).find()) {
            return Optional.of("it percent-encodes characters that need no encoding");
        }
        return Optional.empty();
    }
}
