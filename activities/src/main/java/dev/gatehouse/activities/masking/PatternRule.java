package dev.gatehouse.activities.masking;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A custom rule's regular expression, masked wherever it matches. Empty matches are ignored. */
record PatternRule(Pattern pattern) implements Finder {

    PatternRule {
        Objects.requireNonNull(pattern, "pattern");
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            out.add(matcher.start(), matcher.end());
        }
    }
}
