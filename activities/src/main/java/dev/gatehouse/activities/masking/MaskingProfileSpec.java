package dev.gatehouse.activities.masking;

import java.util.List;

/**
 * A masking profile as configured, independent of the configuration format: detector entries
 * ({@code "email"}, {@code "pii"}, {@code "card:last4"}) and custom rules. Checked by
 * {@link MaskingProfiles#compile}, not here, so that every complaint can name the profile and entry.
 */
public record MaskingProfileSpec(String name, List<String> detectors, List<CustomRule> rules) {

    public MaskingProfileSpec {
        detectors = detectors == null ? List.of() : List.copyOf(detectors);
        rules = rules == null ? List.of() : List.copyOf(rules);
    }
}
