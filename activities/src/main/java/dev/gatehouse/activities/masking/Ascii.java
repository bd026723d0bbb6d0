package dev.gatehouse.activities.masking;

/**
 * The ASCII character classes the detectors are written in. Deliberately ASCII-only: every format
 * they look for (numbers, keys, addresses) is ASCII, and a non-ASCII letter next to one is a
 * boundary like any other punctuation.
 */
final class Ascii {

    private Ascii() {
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    static boolean isLetter(char c) {
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    }

    static boolean isAlnum(char c) {
        return isDigit(c) || isLetter(c);
    }

    static boolean isHex(char c) {
        return isDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
    }

    /** The alphabet of base64url (RFC 4648 §5), which JWT segments and many API keys use. */
    static boolean isBase64Url(char c) {
        return isAlnum(c) || c == '-' || c == '_';
    }

    static boolean isBase64(char c) {
        return isAlnum(c) || c == '+' || c == '/' || c == '=';
    }

    static boolean allDigits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
