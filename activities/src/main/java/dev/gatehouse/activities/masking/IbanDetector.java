package dev.gatehouse.activities.masking;

/**
 * International bank account numbers: a country code, two check digits and the country's BBAN,
 * unbroken or in the printed groups of four ({@code GB82 WEST 1234 5698 7654 32}), whose length
 * is the one the IBAN registry gives for that country and whose ISO 7064 mod-97 checksum holds.
 */
final class IbanDetector implements Detector {

    /** IBAN lengths by country, from the SWIFT IBAN registry. */
    private static final String LENGTHS = """
            AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28
            EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26
            IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28
            NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25
            SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30""";

    private static final byte[] LENGTH_BY_COUNTRY = new byte[26 * 26];

    static {
        for (String entry : LENGTHS.split("\\s+")) {
            LENGTH_BY_COUNTRY[country(entry.charAt(0), entry.charAt(1))] = Byte.parseByte(entry.substring(2));
        }
    }

    @Override
    public String name() {
        return "iban";
    }

    @Override
    public String label() {
        return "IBAN";
    }

    @Override
    public boolean showsLastChars() {
        return true;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        int after = 0;
        for (int candidate = 0; candidate < scan.ibanStarts(); candidate++) {
            int start = scan.ibanStart(candidate);
            if (start < after || (start > 0 && Ascii.isAlnum(text.charAt(start - 1)))) {
                continue;
            }
            int length = LENGTH_BY_COUNTRY[country(text.charAt(start), text.charAt(start + 1))];
            int end = length == 0 ? -1 : end(text, start, length);
            if (end > 0 && mod97(text, start, end) == 1) {
                out.add(start, end);
                after = end;
            }
        }
    }

    /** Where an IBAN of {@code length} characters starting at {@code start} ends, or -1. */
    private static int end(String text, int start, int length) {
        int n = text.length();
        int i = start;
        int count = 0;
        while (count < length && i < n) {
            char c = text.charAt(i);
            if (Ascii.isUpper(c) || Ascii.isDigit(c)) {
                count++;
                i++;
            } else if (c == ' ' && count % 4 == 0 && i + 1 < n && Ascii.isAlnum(text.charAt(i + 1))) {
                i++;
            } else {
                return -1;
            }
        }
        return count == length && (i == n || !Ascii.isAlnum(text.charAt(i))) ? i : -1;
    }

    /** The ISO 7064 remainder of the IBAN with its first four characters moved to the end and letters as 10–35. */
    private static int mod97(String text, int start, int end) {
        int afterCheckDigits = start + 4; // groups are of four, so no space can fall inside the first four
        return mod97(text, start, afterCheckDigits, mod97(text, afterCheckDigits, end, 0));
    }

    private static int mod97(String text, int from, int to, int remainder) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (Ascii.isDigit(c)) {
                remainder = (remainder * 10 + (c - '0')) % 97;
            } else if (Ascii.isUpper(c)) {
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            }
        }
        return remainder;
    }

    private static int country(char first, char second) {
        return (first - 'A') * 26 + (second - 'A');
    }
}
