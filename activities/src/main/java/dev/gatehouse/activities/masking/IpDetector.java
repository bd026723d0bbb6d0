package dev.gatehouse.activities.masking;

/**
 * IP addresses: IPv4 as four decimal octets of at most 255 ({@code 999.1.1.1}, {@code 1.2.3} and
 * {@code 1.2.3.4.5} are not addresses), and IPv6 in full or compressed form, with an optional
 * IPv4 tail ({@code 2001:db8::8a2e:370:7334}, {@code ::1}, {@code ::ffff:10.0.0.1}). An IPv6
 * candidate must contain a digit, so that words such as {@code dead::beef} or C++ scopes stay.
 */
final class IpDetector implements Detector {

    @Override
    public String name() {
        return "ip";
    }

    @Override
    public String label() {
        return "IP";
    }

    @Override
    public boolean showsLastChars() {
        return false;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        if (scan.has(TextScan.DOT)) {
            for (int run = 0; run < scan.runs(); run++) {
                findV4(text, scan.runStart(run), scan.runEnd(run), out);
            }
        }
        if (scan.digits() >= 1 && scan.has(TextScan.COLON)) {
            findV6(text, out);
        }
    }

    private static void findV4(String text, int from, int to, Spans out) {
        int dot = text.indexOf('.', from);
        while (dot >= 0 && dot < to) {
            int start = dot;
            while (start > 0 && Ascii.isDigit(text.charAt(start - 1))) {
                start--;
            }
            int end = start < dot && (start == 0 || isV4Boundary(text.charAt(start - 1))) ? v4End(text, start) : -1;
            if (end > 0) {
                out.add(start, end);
                dot = text.indexOf('.', end);
            } else {
                dot = text.indexOf('.', dot + 1);
            }
        }
    }

    private static boolean isV4Boundary(char c) {
        return !Ascii.isAlnum(c) && c != '.';
    }

    /** The end of a dotted quad starting at {@code start} that nothing extends, or -1. */
    private static int v4End(String text, int start) {
        int end = octetsEnd(text, start, text.length());
        if (end < 0) {
            return -1;
        }
        if (end < text.length()) {
            char next = text.charAt(end);
            boolean continues = Ascii.isAlnum(next)
                    || (next == '.' && end + 1 < text.length() && Ascii.isDigit(text.charAt(end + 1)));
            if (continues) {
                return -1;
            }
        }
        return end;
    }

    /** The end of four dot-separated octets starting at {@code start} and ending by {@code limit}, or -1. */
    private static int octetsEnd(String text, int start, int limit) {
        int i = start;
        for (int octet = 0; octet < 4; octet++) {
            if (octet > 0) {
                if (i >= limit || text.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
            int value = 0;
            int length = 0;
            while (i < limit && Ascii.isDigit(text.charAt(i)) && length < 4) {
                value = value * 10 + (text.charAt(i) - '0');
                length++;
                i++;
            }
            if (length == 0 || length > 3 || value > 255) {
                return -1;
            }
        }
        return i;
    }

    private static void findV6(String text, Spans out) {
        int n = text.length();
        int colon = text.indexOf(':');
        while (colon >= 0) {
            int start = colon;
            while (start > 0 && (Ascii.isHex(text.charAt(start - 1)) || text.charAt(start - 1) == ':')) {
                start--;
            }
            int end = colon;
            while (end < n && (Ascii.isHex(text.charAt(end)) || text.charAt(end) == ':' || text.charAt(end) == '.')) {
                end++;
            }
            int runEnd = end;
            // "at fe80::1." ends a sentence, "fe80::1:" a label; "2001:db8::" ends with its compression.
            while (end > start && text.charAt(end - 1) == '.') {
                end--;
            }
            if (end - start >= 2 && text.charAt(end - 1) == ':' && text.charAt(end - 2) != ':') {
                end--;
            }
            boolean bounded = (start == 0 || !Ascii.isAlnum(text.charAt(start - 1)) && text.charAt(start - 1) != '.')
                    && (end == n || !Ascii.isAlnum(text.charAt(end)));
            if (bounded && isV6(text, start, end)) {
                out.add(start, end);
            }
            colon = text.indexOf(':', Math.max(runEnd, colon + 1));
        }
    }

    static boolean isV6(String text, int start, int end) {
        int groups = 0;
        boolean compressed = false;
        boolean digit = false;
        int i = start;
        if (text.startsWith("::", i)) {
            compressed = true;
            i += 2;
        }
        while (i < end) {
            int groupStart = i;
            while (i < end && Ascii.isHex(text.charAt(i))) {
                digit |= Ascii.isDigit(text.charAt(i));
                i++;
            }
            if (i < end && text.charAt(i) == '.') {
                // An IPv4 tail takes the place of the last two groups.
                if (octetsEnd(text, groupStart, end) != end) {
                    return false;
                }
                groups += 2;
                digit = true;
                break;
            }
            int length = i - groupStart;
            if (length < 1 || length > 4) {
                return false;
            }
            groups++;
            if (i == end) {
                break;
            }
            i++; // the colon after the group
            if (i < end && text.charAt(i) == ':') {
                if (compressed) {
                    return false;
                }
                compressed = true;
                i++;
            } else if (i == end) {
                return false;
            }
        }
        if (!digit) {
            return false;
        }
        boolean startsCompressed = text.startsWith("::", start);
        return compressed ? groups <= 7 && (groups >= 2 || (startsCompressed && groups == 1)) : groups == 8;
    }
}
