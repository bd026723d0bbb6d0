package dev.gatehouse.activities.masking;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * API keys and tokens recognisable by a fixed prefix followed by a run of characters from a known
 * alphabet: GCP API keys, Azure storage keys and SAS signatures, GitHub, Slack and Stripe tokens.
 * Each is found with {@link String#indexOf(String)} on its prefix, which the JIT vectorises, so a
 * string without one is passed over at memory speed and no regular expression ever runs.
 */
final class TokenDetector implements Detector {

    /** The characters a token's body may contain. */
    enum Alphabet {
        ALNUM, ALNUM_UNDERSCORE, ALNUM_DASH, BASE64URL, BASE64, URL_ENCODED_BASE64;

        boolean contains(char c) {
            return switch (this) {
                case ALNUM -> Ascii.isAlnum(c);
                case ALNUM_UNDERSCORE -> Ascii.isAlnum(c) || c == '_';
                case ALNUM_DASH -> Ascii.isAlnum(c) || c == '-';
                case BASE64URL -> Ascii.isBase64Url(c);
                case BASE64 -> Ascii.isBase64(c);
                case URL_ENCODED_BASE64 -> Ascii.isBase64(c) || c == '%' || c == '-' || c == '_';
            };
        }
    }

    /**
     * One token format. {@code hidesPrefix} is false where the prefix is a label
     * ({@code AccountKey=}) rather than part of the secret, so the reader still sees what was there.
     * {@code requiredFlag} is a {@link TextScan} flag of a character in the prefix.
     */
    record Shape(String prefix, Alphabet alphabet, int minLength, int maxLength, boolean hidesPrefix, int requiredFlag) {

        Shape {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(alphabet, "alphabet");
        }
    }

    /**
     * Shapes whose prefixes start alike ({@code ghp_}, {@code gho_}, … {@code github_pat_}), found
     * with one search for what they share, so that a string costs one {@code indexOf} per group
     * rather than one per prefix.
     */
    private record Group(String anchor, List<Shape> shapes, int flags) {
    }

    private final String name;
    private final String label;
    private final List<Group> groups;

    TokenDetector(String name, String label, List<Shape> shapes) {
        this.name = name;
        this.label = label;
        this.groups = shapes.stream()
                .collect(Collectors.groupingBy(shape -> shape.prefix().substring(0, 2), LinkedHashMap::new, Collectors.toList()))
                .values().stream()
                .map(TokenDetector::group)
                .toList();
    }

    private static Group group(List<Shape> shapes) {
        String anchor = shapes.getFirst().prefix();
        int flags = 0;
        for (Shape shape : shapes) {
            int common = 0;
            while (common < anchor.length() && common < shape.prefix().length()
                    && anchor.charAt(common) == shape.prefix().charAt(common)) {
                common++;
            }
            anchor = anchor.substring(0, common);
            flags |= shape.requiredFlag();
        }
        return new Group(anchor, List.copyOf(shapes), flags);
    }

    static TokenDetector gcp() {
        return new TokenDetector("gcp-key", "GCP_KEY", List.of(
                new Shape("AIza", Alphabet.BASE64URL, 35, 35, true, TextScan.UPPER)));
    }

    static TokenDetector azure() {
        return new TokenDetector("azure-key", "AZURE_KEY", List.of(
                new Shape("AccountKey=", Alphabet.BASE64, 20, 200, false, TextScan.EQUALS),
                new Shape("sig=", Alphabet.URL_ENCODED_BASE64, 16, 200, false, TextScan.EQUALS)));
    }

    static TokenDetector github() {
        Alphabet body = Alphabet.ALNUM;
        return new TokenDetector("github-token", "GITHUB_TOKEN", List.of(
                new Shape("ghp_", body, 30, 251, true, TextScan.UNDERSCORE),
                new Shape("gho_", body, 30, 251, true, TextScan.UNDERSCORE),
                new Shape("ghu_", body, 30, 251, true, TextScan.UNDERSCORE),
                new Shape("ghs_", body, 30, 251, true, TextScan.UNDERSCORE),
                new Shape("ghr_", body, 30, 251, true, TextScan.UNDERSCORE),
                new Shape("github_pat_", Alphabet.ALNUM_UNDERSCORE, 22, 244, true, TextScan.UNDERSCORE)));
    }

    static TokenDetector slack() {
        Alphabet body = Alphabet.ALNUM_DASH;
        return new TokenDetector("slack-token", "SLACK_TOKEN", List.of(
                new Shape("xoxb-", body, 10, 250, true, TextScan.DASH),
                new Shape("xoxp-", body, 10, 250, true, TextScan.DASH),
                new Shape("xoxa-", body, 10, 250, true, TextScan.DASH),
                new Shape("xoxr-", body, 10, 250, true, TextScan.DASH),
                new Shape("xoxs-", body, 10, 250, true, TextScan.DASH),
                new Shape("xapp-", body, 10, 250, true, TextScan.DASH)));
    }

    static TokenDetector stripe() {
        Alphabet body = Alphabet.ALNUM;
        return new TokenDetector("stripe-key", "STRIPE_KEY", List.of(
                new Shape("sk_live_", body, 10, 247, true, TextScan.UNDERSCORE),
                new Shape("sk_test_", body, 10, 247, true, TextScan.UNDERSCORE),
                new Shape("rk_live_", body, 10, 247, true, TextScan.UNDERSCORE),
                new Shape("rk_test_", body, 10, 247, true, TextScan.UNDERSCORE),
                new Shape("whsec_", body, 10, 249, true, TextScan.UNDERSCORE)));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public boolean showsLastChars() {
        return false;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        for (Group group : groups) {
            if (scan.has(group.flags())) {
                find(text, group, out);
            }
        }
    }

    private static void find(String text, Group group, Spans out) {
        int at = text.indexOf(group.anchor());
        while (at >= 0) {
            int end = -1;
            if (at == 0 || !Ascii.isAlnum(text.charAt(at - 1))) {
                for (int i = 0; i < group.shapes().size() && end < 0; i++) {
                    end = match(text, at, group.shapes().get(i), out);
                }
            }
            at = text.indexOf(group.anchor(), end > 0 ? end : at + 1);
        }
    }

    /** Adds the token of {@code shape} at {@code at}, if there is one, and returns its end; otherwise -1. */
    private static int match(String text, int at, Shape shape, Spans out) {
        if (!text.startsWith(shape.prefix(), at)) {
            return -1;
        }
        int bodyStart = at + shape.prefix().length();
        int end = bodyStart;
        while (end < text.length() && shape.alphabet().contains(text.charAt(end))) {
            end++;
        }
        int length = end - bodyStart;
        if (length < shape.minLength() || length > shape.maxLength()) {
            return -1;
        }
        out.add(shape.hidesPrefix() ? at : bodyStart, end);
        return end;
    }
}
