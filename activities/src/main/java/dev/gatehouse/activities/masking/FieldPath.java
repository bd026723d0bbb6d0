package dev.gatehouse.activities.masking;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled field path: dot-separated keys where {@code *} is any one key or array element and
 * {@code **} any number of them, zero included ({@code **.password} also matches a top-level
 * {@code password}). A numeric key also matches that array index. Matching runs as a small NFA
 * whose states are the bits of a {@code long}, so stepping into a child allocates nothing. Immutable.
 */
final class FieldPath {

    static final int MAX_SEGMENTS = 32;
    private static final String ANY = "*";
    private static final String ANY_DEPTH = "**";

    private final String text;
    private final String[] segments;
    private final int[] indexes;

    private FieldPath(String text, String[] segments) {
        this.text = text;
        this.segments = segments;
        this.indexes = new int[segments.length];
        for (int i = 0; i < segments.length; i++) {
            indexes[i] = isIndex(segments[i]) ? Integer.parseInt(segments[i]) : -1;
        }
    }

    /** Parses {@code path}; a syntax error is an {@link IllegalArgumentException} that says what is wrong. */
    static FieldPath parse(String path) {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("path is empty");
        }
        if (!path.strip().equals(path)) {
            throw new IllegalArgumentException("path '" + path + "' has leading or trailing spaces");
        }
        String[] segments = path.split("\\.", -1);
        if (segments.length > MAX_SEGMENTS) {
            throw new IllegalArgumentException("path '" + path + "' has more than " + MAX_SEGMENTS + " segments");
        }
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("path '" + path + "' has an empty segment at position " + (i + 1)
                        + " (keys are separated by single dots)");
            }
            if (segment.contains("*") && !segment.equals(ANY) && !segment.equals(ANY_DEPTH)) {
                throw new IllegalArgumentException("path '" + path + "' has segment '" + segment
                        + "': a wildcard must be a whole segment, '*' for one key or '**' for any depth");
            }
        }
        return new FieldPath(path, segments);
    }

    /** The literal keys of the path: a key path it matches contains all of them. */
    List<String> literals() {
        List<String> literals = new ArrayList<>();
        for (String segment : segments) {
            if (!segment.equals(ANY) && !segment.equals(ANY_DEPTH)) {
                literals.add(segment);
            }
        }
        return literals;
    }

    long start() {
        return closure(1L);
    }

    /** The states after stepping into object member {@code key} (then {@code index} is -1) or array element {@code index}. */
    long step(long states, String key, int index) {
        long next = 0;
        for (int i = 0; i < segments.length; i++) {
            if ((states & (1L << i)) == 0) {
                continue;
            }
            String segment = segments[i];
            if (segment.equals(ANY_DEPTH)) {
                next |= 1L << i;
            } else if (segment.equals(ANY) || (key != null ? segment.equals(key) : indexes[i] == index)) {
                next |= 1L << (i + 1);
            }
        }
        return closure(next);
    }

    boolean accepts(long states) {
        return (states & (1L << segments.length)) != 0;
    }

    // "**" may match no key at all, so being before it is also being after it.
    private long closure(long states) {
        long closed = states;
        for (int i = 0; i < segments.length; i++) {
            if ((closed & (1L << i)) != 0 && segments[i].equals(ANY_DEPTH)) {
                closed |= 1L << (i + 1);
            }
        }
        return closed;
    }

    private static boolean isIndex(String segment) {
        return !segment.isEmpty() && segment.length() <= 9 && segment.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    @Override
    public String toString() {
        return text;
    }
}
