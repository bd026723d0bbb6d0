package dev.gatehouse.activities.masking;

/**
 * E-mail addresses: a local part of the usual unquoted characters, {@code @}, and a domain of at
 * least two labels ending in an alphabetic top-level domain ({@code user@localhost} is not masked).
 * Found by expanding around each {@code @}, so strings without one cost a single flag test.
 */
final class EmailDetector implements Detector {

    @Override
    public String name() {
        return "email";
    }

    @Override
    public String label() {
        return "EMAIL";
    }

    @Override
    public boolean showsLastChars() {
        return false;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        if (!scan.has(TextScan.AT)) {
            return;
        }
        int at = text.indexOf('@');
        while (at >= 0) {
            int start = at;
            while (start > 0 && isLocalChar(text.charAt(start - 1))) {
                start--;
            }
            while (start < at && text.charAt(start) == '.') {
                start++;
            }
            int end = start < at ? domainEnd(text, at + 1) : -1;
            if (end > 0) {
                out.add(start, end);
                at = text.indexOf('@', end);
            } else {
                at = text.indexOf('@', at + 1);
            }
        }
    }

    private static boolean isLocalChar(char c) {
        return Ascii.isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    }

    /** The end of the longest valid domain starting at {@code from}, or -1. */
    private static int domainEnd(String text, int from) {
        int n = text.length();
        int i = from;
        int labels = 0;
        int end = -1;
        while (true) {
            int labelStart = i;
            boolean alphabetic = true;
            while (i < n && (Ascii.isAlnum(text.charAt(i)) || text.charAt(i) == '-')) {
                alphabetic &= Ascii.isLetter(text.charAt(i));
                i++;
            }
            if (i == labelStart || text.charAt(labelStart) == '-' || text.charAt(i - 1) == '-') {
                return end;
            }
            labels++;
            if (labels >= 2 && alphabetic && i - labelStart >= 2) {
                end = i;
            }
            if (i + 1 < n && text.charAt(i) == '.' && Ascii.isAlnum(text.charAt(i + 1))) {
                i++;
            } else {
                return end;
            }
        }
    }
}
