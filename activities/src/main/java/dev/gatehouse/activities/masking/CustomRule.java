package dev.gatehouse.activities.masking;

/**
 * A profile's own rule: either a Java regular expression ({@code pattern}) masked wherever it
 * matches a string, or a JSON field path ({@code path}, e.g. {@code customer.ssn},
 * {@code items.*.card}, {@code **.password}) whose value is replaced whole. {@code replacement}
 * is optional and defaults to the upper-cased name in brackets. Checked by
 * {@link MaskingProfiles#compile}, where the message can name the profile.
 */
public record CustomRule(String name, String pattern, String path, String replacement) {

    public static CustomRule pattern(String name, String pattern) {
        return new CustomRule(name, pattern, null, null);
    }

    public static CustomRule path(String name, String path) {
        return new CustomRule(name, null, path, null);
    }
}
