package dev.gatehouse.activities.masking;

/**
 * Payment card numbers: 13–19 digits, either unbroken or in groups separated by single spaces or
 * dashes (first group of four, the others of three to six, as cards are printed), that pass the
 * Luhn check. The Luhn check is what keeps order numbers and other long numbers unmasked: only
 * one in ten random numbers passes it.
 */
final class CardDetector implements Detector {

    private static final int MAX_GROUPS = 24;

    @Override
    public String name() {
        return "card";
    }

    @Override
    public String label() {
        return "CARD";
    }

    @Override
    public boolean showsLastChars() {
        return true;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        if (!scan.hasRunOf(13)) {
            return;
        }
        for (int run = 0; run < scan.runs(); run++) {
            if (scan.runDigits(run) >= 13) {
                find(text, scan.runStart(run), scan.runEnd(run), out);
            }
        }
    }

    private static void find(String text, int from, int to, Spans out) {
        int n = text.length();
        int[] groupStarts = new int[MAX_GROUPS];
        int[] groupEnds = new int[MAX_GROUPS];
        int i = from;
        while (i < to) {
            if (!Ascii.isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            boolean startsClean = i == 0 || !Ascii.isAlnum(text.charAt(i - 1));
            // Collect the run of digit groups joined by one kind of single separator.
            int groups = 0;
            char separator = 0;
            while (true) {
                groupStarts[groups] = i;
                while (i < n && Ascii.isDigit(text.charAt(i))) {
                    i++;
                }
                groupEnds[groups++] = i;
                if (groups < MAX_GROUPS && i + 1 < n && (text.charAt(i) == ' ' || text.charAt(i) == '-')
                        && (separator == 0 || separator == text.charAt(i)) && Ascii.isDigit(text.charAt(i + 1))) {
                    separator = text.charAt(i);
                    i++;
                } else {
                    break;
                }
            }
            boolean endsClean = i == n || !Ascii.isAlnum(text.charAt(i));
            if (startsClean || groups > 1) {
                findIn(text, groupStarts, groupEnds, groups, startsClean, endsClean, out);
            }
        }
    }

    /** Tries whole groups only, earliest start first, then longest, so a card followed by an expiry date is still found. */
    private static void findIn(String text, int[] starts, int[] ends, int groups, boolean startsClean, boolean endsClean,
                               Spans out) {
        for (int first = startsClean ? 0 : 1; first < groups; first++) {
            for (int last = groups - 1; last >= first; last--) {
                if (last == groups - 1 && !endsClean) {
                    continue;
                }
                if (shaped(starts, ends, first, last) && luhn(text, starts[first], ends[last])) {
                    out.add(starts[first], ends[last]);
                    first = last;
                    break;
                }
            }
        }
    }

    private static boolean shaped(int[] starts, int[] ends, int first, int last) {
        int digits = 0;
        for (int g = first; g <= last; g++) {
            int length = ends[g] - starts[g];
            boolean fits = first == last || (g == first ? length == 4 : length >= 3 && length <= 6);
            if (!fits) {
                return false;
            }
            digits += length;
        }
        return digits >= 13 && digits <= 19;
    }

    static boolean luhn(String text, int start, int end) {
        int sum = 0;
        boolean doubled = false;
        for (int i = end - 1; i >= start; i--) {
            char c = text.charAt(i);
            if (!Ascii.isDigit(c)) {
                continue;
            }
            int d = c - '0';
            if (doubled) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }
}
