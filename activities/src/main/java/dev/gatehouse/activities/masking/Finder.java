package dev.gatehouse.activities.masking;

/** Finds sensitive spans in one string: a built-in detector or a custom pattern. Stateless and thread-safe. */
sealed interface Finder permits Detector, PatternRule {

    /**
     * Adds to {@code out} the span of every match in {@code text}. {@code field} is the name of
     * the object member that holds the string, or {@code null}; {@code scan} is
     * {@code text} scanned once for all finders.
     */
    void find(String text, String field, TextScan scan, Spans out);
}
