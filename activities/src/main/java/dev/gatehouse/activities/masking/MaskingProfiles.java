package dev.gatehouse.activities.masking;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The compiled masking profiles of a configuration, by name, always including {@code default}
 * (built in: e-mail, phone, card, IBAN, SSN, IP and all secret detectors) unless the configuration
 * defines its own. Immutable and thread-safe.
 */
public final class MaskingProfiles {

    public static final String DEFAULT = "default";

    private final Map<String, MaskingProfile> byName;

    private MaskingProfiles(Map<String, MaskingProfile> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /**
     * Compiles {@code specs} and the built-in {@code default} (which a spec named {@code default}
     * replaces). Any problem — a blank or repeated name, an unknown detector, an invalid regular
     * expression or field path — is an {@link IllegalArgumentException} whose message names the
     * profile, the entry and what is wrong.
     */
    public static MaskingProfiles compile(Collection<MaskingProfileSpec> specs) {
        Objects.requireNonNull(specs, "specs");
        Map<String, MaskingProfile> byName = new TreeMap<>();
        for (MaskingProfileSpec spec : specs) {
            Objects.requireNonNull(spec, "a masking profile spec is null");
            MaskingProfile profile = ProfileCompiler.compile(spec);
            if (byName.putIfAbsent(profile.name(), profile) != null) {
                throw new IllegalArgumentException("masking profile '" + profile.name() + "' is defined twice");
            }
        }
        byName.computeIfAbsent(DEFAULT, name -> ProfileCompiler.compile(DetectorCatalog.DEFAULT_PROFILE));
        return new MaskingProfiles(byName);
    }

    /** The profile called {@code name}; an unknown name is an {@link IllegalArgumentException} listing the known ones. */
    public MaskingProfile profile(String name) {
        MaskingProfile profile = byName.get(name);
        if (profile == null) {
            throw new IllegalArgumentException("unknown masking profile '" + name + "'; known profiles: "
                    + String.join(", ", byName.keySet()));
        }
        return profile;
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The profile names, sorted. */
    public Set<String> names() {
        return byName.keySet();
    }

    /** The names of the built-in detectors, in the order profiles apply them (groups {@code pii} and {@code secrets} not included). */
    public static List<String> detectorNames() {
        return DetectorCatalog.names();
    }
}
