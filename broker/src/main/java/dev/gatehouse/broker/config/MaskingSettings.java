package dev.gatehouse.broker.config;

import java.util.List;
import java.util.Map;

/** Masking profiles by name; the built-in profile {@code default} may be redefined here. */
public record MaskingSettings(Map<String, Profile> profiles) {

    public MaskingSettings {
        profiles = profiles == null ? Map.of() : Map.copyOf(profiles);
    }

    public static MaskingSettings none() {
        return new MaskingSettings(Map.of());
    }

    /** A profile: named detectors plus custom rules. */
    public record Profile(List<String> detectors, List<Rule> rules) {
        public Profile {
            detectors = detectors == null ? List.of() : List.copyOf(detectors);
            rules = rules == null ? List.of() : List.copyOf(rules);
        }
    }

    /** A custom rule: a regular expression, or a JSON field path whose value is masked whole. */
    public record Rule(String name, String pattern, String path, String replacement) {
        public Rule {
            if ((pattern == null) == (path == null)) {
                throw new IllegalArgumentException("a rule needs exactly one of pattern or path");
            }
        }
    }
}
