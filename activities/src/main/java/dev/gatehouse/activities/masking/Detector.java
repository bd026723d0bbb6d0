package dev.gatehouse.activities.masking;

/** A built-in detector, named in profiles and summaries (e.g. {@code card}). Stateless and thread-safe. */
sealed interface Detector extends Finder
        permits EmailDetector, PhoneDetector, CardDetector, IbanDetector, SsnDetector, IpDetector,
                AwsKeyDetector, TokenDetector, JwtDetector, PrivateKeyDetector {

    String name();

    /** The replacement's label: {@code CARD} gives {@code [CARD]}. */
    String label();

    /**
     * Whether {@code name:lastN} may show the value's last characters. Only for numbers people
     * recognise by their tail (a card's last four); a key's tail would just shorten the search for it.
     */
    boolean showsLastChars();
}
