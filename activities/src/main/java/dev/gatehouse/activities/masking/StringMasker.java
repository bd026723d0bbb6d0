package dev.gatehouse.activities.masking;

import java.util.List;

/** A profile's finders and their replacements, applied to one string at a time. Immutable and thread-safe. */
final class StringMasker {

    private final Finder[] finders;
    private final Replacement[] replacements;

    /** Finder {@code i} is counted under counter {@code i} of the profile. */
    StringMasker(List<Finder> finders, List<Replacement> replacements) {
        if (finders.size() != replacements.size()) {
            throw new IllegalArgumentException("one replacement per finder");
        }
        this.finders = finders.toArray(Finder[]::new);
        this.replacements = replacements.toArray(Replacement[]::new);
    }

    /** {@code text} itself when nothing matched, so that callers can tell by identity. */
    String mask(String text, String field, MaskCall call) {
        if (finders.length == 0 || text.isEmpty()) {
            return text;
        }
        Spans spans = call.spans();
        spans.reset();
        TextScan scan = call.scan();
        scan.scan(text);
        for (int i = 0; i < finders.length; i++) {
            spans.attributeTo(i);
            finders[i].find(text, field, scan, spans);
        }
        return spans.isEmpty() ? text : spans.apply(text, replacements, call.counts());
    }

    /** Whether {@link #mask} would change {@code text}; stops at the first finder that matches. */
    boolean matches(String text, String field, MaskCall call) {
        if (finders.length == 0 || text.isEmpty()) {
            return false;
        }
        Spans spans = call.spans();
        spans.reset();
        TextScan scan = call.scan();
        scan.scan(text);
        for (Finder finder : finders) {
            finder.find(text, field, scan, spans);
            if (!spans.isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
