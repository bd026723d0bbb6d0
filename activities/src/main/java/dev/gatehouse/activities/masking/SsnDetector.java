package dev.gatehouse.activities.masking;

/**
 * US social security numbers written {@code AAA-GG-SSSS}, excluding the numbers the SSA never
 * issues (area 000, 666 or 900–999, group 00, serial 0000). Undashed nine-digit numbers are not
 * masked: without the dashes they are indistinguishable from any other number.
 */
final class SsnDetector implements Detector {

    @Override
    public String name() {
        return "ssn";
    }

    @Override
    public String label() {
        return "SSN";
    }

    @Override
    public boolean showsLastChars() {
        return true;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        if (!scan.hasRunOf(9) || !scan.has(TextScan.DASH)) {
            return;
        }
        for (int run = 0; run < scan.runs(); run++) {
            if (scan.runDigits(run) >= 9) {
                find(text, scan.runStart(run), scan.runEnd(run), out);
            }
        }
    }

    private static void find(String text, int from, int to, Spans out) {
        int n = text.length();
        int dash = text.indexOf('-', from + 3);
        while (dash >= 0 && dash + 8 <= to) {
            int start = dash - 3;
            int end = dash + 8;
            if (text.charAt(dash + 3) == '-'
                    && Ascii.allDigits(text, start, dash)
                    && Ascii.allDigits(text, dash + 1, dash + 3)
                    && Ascii.allDigits(text, dash + 4, end)
                    && (start == 0 || isBoundary(text.charAt(start - 1)))
                    && (end == n || isBoundary(text.charAt(end)))
                    && issued(text, start)) {
                out.add(start, end);
                dash = text.indexOf('-', end + 3);
            } else {
                dash = text.indexOf('-', dash + 1);
            }
        }
    }

    private static boolean isBoundary(char c) {
        return !Ascii.isAlnum(c) && c != '-';
    }

    private static boolean issued(String text, int start) {
        int area = Integer.parseInt(text, start, start + 3, 10);
        int group = Integer.parseInt(text, start + 4, start + 6, 10);
        int serial = Integer.parseInt(text, start + 7, start + 11, 10);
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    }
}
