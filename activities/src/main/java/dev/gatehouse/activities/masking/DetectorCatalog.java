package dev.gatehouse.activities.masking;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The built-in detectors, the groups profiles may name, and the built-in {@code default} profile. */
final class DetectorCatalog {

    /**
     * The checked and tightly shaped detectors before the loose phone pattern: where both match the same
     * text (an SSN {@code 078-05-1120} is also phone-shaped), the one listed first names it.
     */
    static final List<Detector> PII = List.of(
            new EmailDetector(), new CardDetector(), new IbanDetector(), new SsnDetector(), new PhoneDetector());

    static final List<Detector> SECRETS = List.of(
            new AwsKeyDetector(), TokenDetector.gcp(), TokenDetector.azure(), TokenDetector.github(),
            TokenDetector.slack(), TokenDetector.stripe(), new JwtDetector(), new PrivateKeyDetector());

    static final Detector IP = new IpDetector();

    /** Every detector, in the order a profile runs them (which breaks ties between equal matches). */
    static final List<Detector> ALL;

    static final Map<String, List<Detector>> GROUPS = Map.of("pii", PII, "secrets", SECRETS);

    static final MaskingProfileSpec DEFAULT_PROFILE = new MaskingProfileSpec(
            "default", List.of("email", "card", "iban", "ssn", "phone", "ip", "secrets"), List.of());

    private static final Map<String, Detector> BY_NAME = new LinkedHashMap<>();

    static {
        PII.forEach(detector -> BY_NAME.put(detector.name(), detector));
        BY_NAME.put(IP.name(), IP);
        SECRETS.forEach(detector -> BY_NAME.put(detector.name(), detector));
        ALL = List.copyOf(BY_NAME.values());
    }

    private DetectorCatalog() {
    }

    static Optional<Detector> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
