package dev.gatehouse.activities.masking;

import java.util.Objects;

/** What a masked span becomes. */
sealed interface Replacement permits Replacement.Fixed, Replacement.LastChars {

    void render(String text, int start, int end, StringBuilder out);

    /** The same text whatever was matched: {@code [EMAIL]}, or a custom rule's replacement. */
    record Fixed(String text) implements Replacement {

        public Fixed {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public void render(String source, int start, int end, StringBuilder out) {
            out.append(text);
        }
    }

    /**
     * {@code [CARD ••••4242]}: the label and the last {@code count} letters or digits of the match,
     * separators skipped, so that a reader can tell which card it was without learning the number.
     */
    record LastChars(String label, int count) implements Replacement {

        static final String HIDDEN = "\u2022\u2022\u2022\u2022";

        public LastChars {
            Objects.requireNonNull(label, "label");
            if (count < 1 || count > 8) {
                throw new IllegalArgumentException("count must be from 1 to 8, was " + count);
            }
        }

        @Override
        public void render(String text, int start, int end, StringBuilder out) {
            int from = end;
            for (int kept = 0; from > start && kept < count; from--) {
                if (Ascii.isAlnum(text.charAt(from - 1))) {
                    kept++;
                }
            }
            out.append('[').append(label).append(' ').append(HIDDEN);
            for (int i = from; i < end; i++) {
                char c = text.charAt(i);
                if (Ascii.isAlnum(c)) {
                    out.append(c);
                }
            }
            out.append(']');
        }
    }
}
