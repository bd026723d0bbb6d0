package dev.gatehouse.activities.masking;

/**
 * Telephone numbers in the forms people write them:
 * <ul>
 *   <li>international: {@code +} and 8–15 digits (E.164), separators optional
 *       ({@code +44 20 7946 0958}, {@code +1 (415) 555-2671}, {@code +4915112345678}), or the same
 *       with a {@code 00} prefix and at least one separator;</li>
 *   <li>North American: {@code 415-555-2671}, {@code (415) 555 2671}, {@code 415.555.2671},
 *       {@code 1-800-555-0199};</li>
 *   <li>European national, starting with the trunk prefix 0: 9–12 digits in at least two groups
 *       ({@code 020 7946 0958}, {@code 06 12 34 56 78}, {@code 030/12345678}).</li>
 * </ul>
 * Unseparated national numbers are not masked: a plain run of digits is more often an id or an
 * amount than a phone number. Dates, times, versions and dotted quads do not fit these shapes.
 */
final class PhoneDetector implements Detector {

    private static final int MAX_GROUPS = 16;
    private static final int MIN_DIGITS = 8;

    @Override
    public String name() {
        return "phone";
    }

    @Override
    public String label() {
        return "PHONE";
    }

    @Override
    public boolean showsLastChars() {
        return true;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        if (!scan.hasRunOf(MIN_DIGITS)) {
            return;
        }
        Candidate candidate = new Candidate();
        for (int run = 0; run < scan.runs(); run++) {
            if (scan.runDigits(run) >= MIN_DIGITS) {
                find(text, scan.runStart(run), scan.runEnd(run), candidate, out);
            }
        }
    }

    private static void find(String text, int from, int to, Candidate candidate, Spans out) {
        int i = from;
        while (i < to) {
            char c = text.charAt(i);
            boolean opens = Ascii.isDigit(c) || ((c == '+' || c == '(') && i + 1 < to && Ascii.isDigit(text.charAt(i + 1)));
            if (!opens) {
                i++;
                continue;
            }
            int next = candidate.read(text, i);
            if (candidate.digits >= MIN_DIGITS && candidate.plausible(text)) {
                out.add(i, candidate.end);
            }
            i = Math.max(next, i + 1);
        }
    }

    /** The digit groups of one run of digits and separators; reused for every run of a string. */
    private static final class Candidate {

        private final int[] groupStarts = new int[MAX_GROUPS];
        private final int[] groupLengths = new int[MAX_GROUPS];
        private int start;
        private int end;
        private int groups;
        private int digits;
        private boolean plus;
        private boolean parenthesised;
        private boolean tooManyGroups;
        private int separators;
        private int slashes;
        private boolean onlyDots;

        /** Reads the run starting at {@code from}; returns where scanning continues. */
        int read(String text, int from) {
            int n = text.length();
            start = from;
            end = from;
            groups = 0;
            digits = 0;
            separators = 0;
            slashes = 0;
            onlyDots = true;
            parenthesised = false;
            tooManyGroups = false;
            int i = from;
            plus = text.charAt(i) == '+';
            if (plus) {
                i++;
            }
            while (i < n) {
                if (text.charAt(i) == '(') {
                    int close = i + 1;
                    while (close < n && Ascii.isDigit(text.charAt(close))) {
                        close++;
                    }
                    int length = close - i - 1;
                    if (close >= n || text.charAt(close) != ')' || length < 1 || length > 5) {
                        break;
                    }
                    addGroup(i + 1, length);
                    parenthesised |= groups == 1 || (plus && groups == 2);
                    i = close + 1;
                    // The number goes on after "(415) " or "(0)20"; it never ends at the parenthesis.
                    if (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '-') && i + 1 < n && Ascii.isDigit(text.charAt(i + 1))) {
                        i++;
                    }
                    if (i >= n || !Ascii.isDigit(text.charAt(i))) {
                        break;
                    }
                    continue;
                }
                if (!Ascii.isDigit(text.charAt(i))) {
                    break;
                }
                int groupStart = i;
                while (i < n && Ascii.isDigit(text.charAt(i))) {
                    i++;
                }
                addGroup(groupStart, i - groupStart);
                end = i;
                if (i + 1 < n && isSeparator(text.charAt(i)) && (Ascii.isDigit(text.charAt(i + 1)) || text.charAt(i + 1) == '(')) {
                    char separator = text.charAt(i);
                    separators++;
                    slashes += separator == '/' ? 1 : 0;
                    onlyDots &= separator == '.';
                    i++;
                } else if (i < n && text.charAt(i) == '(') {
                    continue;
                } else {
                    break;
                }
            }
            return i;
        }

        private void addGroup(int groupStart, int length) {
            if (groups == MAX_GROUPS) {
                tooManyGroups = true;
                return;
            }
            groupStarts[groups] = groupStart;
            groupLengths[groups++] = length;
            digits += length;
        }

        boolean plausible(String text) {
            if (end <= start || tooManyGroups || !cleanEdges(text)) {
                return false;
            }
            if (onlyDots && separators > 0 && looksLikeDottedQuad()) {
                return false;
            }
            if (plus) {
                return digits >= 8 && digits <= 15 && slashes == 0;
            }
            if (text.startsWith("00", groupStarts[0])) {
                return digits >= 10 && digits <= 15 && separators + (parenthesised ? 1 : 0) > 0 && slashes == 0;
            }
            return northAmerican(text) || europeanNational(text);
        }

        private boolean cleanEdges(String text) {
            if (start > 0) {
                char before = text.charAt(start - 1);
                if (Ascii.isAlnum(before) || "+-._/@#$%&=\\".indexOf(before) >= 0) {
                    return false;
                }
                // "tel:+1 415 ..." is a number, "14:22:05 2024-03-05" the end of a time.
                if (before == ':' && start > 1 && Ascii.isDigit(text.charAt(start - 2))) {
                    return false;
                }
            }
            return end == text.length() || !Ascii.isAlnum(text.charAt(end));
        }

        private boolean looksLikeDottedQuad() {
            if (groups != 4) {
                return false;
            }
            for (int g = 0; g < 4; g++) {
                if (groupLengths[g] > 3) {
                    return false;
                }
            }
            return true;
        }

        // NANP: area codes and exchanges start with 2–9.
        private boolean northAmerican(String text) {
            if (slashes > 0) {
                return false;
            }
            int first = 0;
            if (groups == 4 && groupLengths[0] == 1 && text.charAt(groupStarts[0]) == '1') {
                first = 1;
            } else if (groups != 3) {
                return false;
            }
            return groupLengths[first] == 3 && groupLengths[first + 1] == 3 && groupLengths[first + 2] == 4
                    && text.charAt(groupStarts[first]) >= '2' && text.charAt(groupStarts[first + 1]) >= '2'
                    && (separators > 0 || parenthesised);
        }

        private boolean europeanNational(String text) {
            if (text.charAt(groupStarts[0]) != '0' || groups < 2 || digits < 9 || digits > 12) {
                return false;
            }
            if (groupLengths[0] < 2 || groupLengths[0] > 5 || slashes > 1
                    || (slashes == 1 && text.charAt(groupStarts[1] - 1) != '/')) {
                return false;
            }
            for (int g = 1; g < groups; g++) {
                if (groupLengths[g] < 2 || groupLengths[g] > 8) {
                    return false;
                }
            }
            return !startsWithDate();
        }

        // 01-02-2024 10 or 05.06.2023 1234: a day, a month and a year, then something else.
        private boolean startsWithDate() {
            return groups >= 3 && groupLengths[0] <= 2 && groupLengths[1] <= 2 && groupLengths[2] == 4;
        }

        private static boolean isSeparator(char c) {
            return c == ' ' || c == '-' || c == '.' || c == '/';
        }
    }
}
