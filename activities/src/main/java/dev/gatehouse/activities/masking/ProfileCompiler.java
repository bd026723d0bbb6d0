package dev.gatehouse.activities.masking;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/** Checks one {@link MaskingProfileSpec} and compiles it; every complaint names the profile and the entry. */
final class ProfileCompiler {

    private static final Pattern LAST_CHARS = Pattern.compile("last([1-8])");

    private final MaskingProfileSpec spec;
    private final String where;

    private ProfileCompiler(MaskingProfileSpec spec) {
        this.spec = spec;
        this.where = "masking profile '" + spec.name() + "'";
    }

    static MaskingProfile compile(MaskingProfileSpec spec) {
        if (spec.name() == null || spec.name().isBlank()) {
            throw new IllegalArgumentException("a masking profile has a blank name");
        }
        return new ProfileCompiler(spec).compile();
    }

    private MaskingProfile compile() {
        Map<Detector, Replacement> detectors = detectors();
        List<Finder> finders = new ArrayList<>();
        List<Replacement> replacements = new ArrayList<>();
        List<String> counters = new ArrayList<>();
        for (Detector detector : DetectorCatalog.ALL) {
            Replacement replacement = detectors.get(detector);
            if (replacement != null) {
                finders.add(detector);
                replacements.add(replacement);
                counters.add(detector.name());
            }
        }
        List<CustomRule> pathRules = new ArrayList<>();
        Set<String> ruleNames = new HashSet<>();
        for (int i = 0; i < spec.rules().size(); i++) {
            CustomRule rule = checkedRule(i, ruleNames);
            if (rule.pattern() != null) {
                finders.add(new PatternRule(pattern(rule)));
                replacements.add(new Replacement.Fixed(replacement(rule)));
                counters.add(rule.name());
            } else {
                pathRules.add(rule);
            }
        }
        List<PathRules.Rule> paths = new ArrayList<>();
        for (CustomRule rule : pathRules) {
            paths.add(new PathRules.Rule(path(rule), replacement(rule), counters.size()));
            counters.add(rule.name());
        }
        return new MaskingProfile(spec.name(), new StringMasker(finders, replacements), new PathRules(paths),
                counters.toArray(String[]::new));
    }

    /**
     * The detectors the entries name, with their replacements. A group ({@code pii}) brings its
     * members with plain replacements; naming a member as well ({@code pii, card:last4}) refines it.
     */
    private Map<Detector, Replacement> detectors() {
        Map<Detector, Replacement> fromGroups = new HashMap<>();
        Map<Detector, Replacement> named = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < spec.detectors().size(); i++) {
            String entry = spec.detectors().get(i);
            if (entry == null || entry.isBlank()) {
                throw new IllegalArgumentException(where + ": detector entry " + (i + 1) + " is blank");
            }
            String trimmed = entry.strip();
            int colon = trimmed.indexOf(':');
            String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
            String option = colon < 0 ? null : trimmed.substring(colon + 1);
            if (!seen.add(name)) {
                throw new IllegalArgumentException(where + ": detector '" + name + "' is listed twice");
            }
            List<Detector> group = DetectorCatalog.GROUPS.get(name);
            if (group != null) {
                if (option != null) {
                    throw new IllegalArgumentException(where + ": detector group '" + name + "' takes no ':" + option
                            + "'; name the detector instead, e.g. 'card:last4'");
                }
                group.forEach(detector -> fromGroups.put(detector, fixed(detector)));
                continue;
            }
            Detector detector = DetectorCatalog.byName(name).orElseThrow(() -> new IllegalArgumentException(
                    where + ": unknown detector '" + name + "'; known detectors: " + String.join(", ", DetectorCatalog.names())
                            + "; groups: " + String.join(", ", DetectorCatalog.GROUPS.keySet().stream().sorted().toList())));
            named.put(detector, option == null ? fixed(detector) : lastChars(detector, option));
        }
        Map<Detector, Replacement> all = new HashMap<>(fromGroups);
        all.putAll(named);
        return all;
    }

    private static Replacement fixed(Detector detector) {
        return new Replacement.Fixed("[" + detector.label() + "]");
    }

    private Replacement lastChars(Detector detector, String option) {
        Matcher last = LAST_CHARS.matcher(option);
        if (!last.matches()) {
            throw new IllegalArgumentException(where + ": detector '" + detector.name() + ":" + option
                    + "': the only option is 'lastN' with N from 1 to 8, e.g. '" + detector.name() + ":last4'");
        }
        if (!detector.showsLastChars()) {
            String allowed = DetectorCatalog.ALL.stream().filter(Detector::showsLastChars).map(Detector::name)
                    .collect(Collectors.joining(", "));
            throw new IllegalArgumentException(where + ": detector '" + detector.name() + ":" + option
                    + "': only " + allowed + " can show their last characters");
        }
        return new Replacement.LastChars(detector.label(), Integer.parseInt(last.group(1)));
    }

    private CustomRule checkedRule(int index, Set<String> names) {
        CustomRule rule = spec.rules().get(index);
        if (rule == null || rule.name() == null || rule.name().isBlank()) {
            throw new IllegalArgumentException(where + ": rule " + (index + 1) + " has a blank name");
        }
        String subject = where + ": rule '" + rule.name() + "'";
        if (!names.add(rule.name())) {
            throw new IllegalArgumentException(subject + " is defined twice");
        }
        if ((rule.pattern() == null) == (rule.path() == null)) {
            throw new IllegalArgumentException(subject + " must have exactly one of 'pattern' or 'path'");
        }
        return rule;
    }

    private Pattern pattern(CustomRule rule) {
        Pattern pattern;
        try {
            pattern = Pattern.compile(rule.pattern());
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(where + ": rule '" + rule.name() + "': invalid pattern '" + rule.pattern()
                    + "': " + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""), e);
        }
        if (pattern.matcher("").matches()) {
            throw new IllegalArgumentException(where + ": rule '" + rule.name() + "': pattern '" + rule.pattern()
                    + "' matches the empty string, so it would match everywhere");
        }
        return pattern;
    }

    private FieldPath path(CustomRule rule) {
        try {
            return FieldPath.parse(rule.path());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": rule '" + rule.name() + "': invalid " + e.getMessage(), e);
        }
    }

    /** The rule's replacement, or its name upper-cased in brackets: {@code employee-id} gives {@code [EMPLOYEE_ID]}. */
    private static String replacement(CustomRule rule) {
        if (rule.replacement() != null) {
            return rule.replacement();
        }
        return "[" + rule.name().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "]";
    }
}
