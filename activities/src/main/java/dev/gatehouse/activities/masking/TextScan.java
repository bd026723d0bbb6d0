package dev.gatehouse.activities.masking;

import java.util.Arrays;

/**
 * The one pass over a string that every detector shares, so that no detector has to walk the
 * string itself: which trigger characters it contains, how many digits, where its numeric runs
 * are, and where an IBAN could start. Detectors for numbers then look only inside the runs, and
 * the others test a flag and use {@link String#indexOf}, which the JIT vectorises. Most strings
 * fail every detector's test here and are never looked at again, which is what keeps the fast
 * path fast.
 *
 * <p>A numeric run is a maximal stretch of digits and the characters numbers are written with
 * ({@code space - . / ( ) +}); a card, phone, SSN or IPv4 address always lies inside one. Only
 * runs of at least {@link #MIN_RUN_DIGITS} digits are kept. Reused for every string of one
 * masking call; confined to its thread.
 */
final class TextScan {

    static final int AT = 1;
    static final int DOT = 1 << 1;
    static final int COLON = 1 << 2;
    static final int DASH = 1 << 3;
    static final int UNDERSCORE = 1 << 4;
    static final int EQUALS = 1 << 5;
    static final int UPPER = 1 << 6;
    static final int MIN_RUN_DIGITS = 4;

    private static final int DIGIT = 1 << 7;
    private static final int IN_RUN = 1 << 8;
    private static final int[] CLASSES = new int[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            CLASSES[c] = UPPER;
        }
        for (char c = '0'; c <= '9'; c++) {
            CLASSES[c] = DIGIT | IN_RUN;
        }
        CLASSES['@'] = AT;
        CLASSES['.'] = DOT | IN_RUN;
        CLASSES[':'] = COLON;
        CLASSES['-'] = DASH | IN_RUN;
        CLASSES['_'] = UNDERSCORE;
        CLASSES['='] = EQUALS;
        CLASSES[' '] = IN_RUN;
        CLASSES['/'] = IN_RUN;
        CLASSES['('] = IN_RUN;
        CLASSES[')'] = IN_RUN;
        CLASSES['+'] = IN_RUN;
    }

    private int flags;
    private int digits;
    private int maxRunDigits;
    private int runs;
    private int[] runStarts = new int[8];
    private int[] runEnds = new int[8];
    private int[] runDigits = new int[8];
    private int ibanStarts;
    private int[] ibanStart = new int[4];

    void scan(String text) {
        flags = 0;
        digits = 0;
        maxRunDigits = 0;
        runs = 0;
        ibanStarts = 0;
        int runStart = -1;
        int digitsInRun = 0;
        int uppers = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            int kind = c < 128 ? CLASSES[c] : 0;
            flags |= kind;
            if ((kind & IN_RUN) != 0) {
                if (runStart < 0) {
                    runStart = i;
                }
                if ((kind & DIGIT) != 0) {
                    digitsInRun++;
                    // Two capitals then two digits: where an IBAN's country code and check digits would be.
                    if (uppers == 2 && i + 1 < n && Ascii.isDigit(text.charAt(i + 1))) {
                        addIbanStart(i - 2);
                    }
                }
            } else if (runStart >= 0) {
                endRun(runStart, i, digitsInRun);
                runStart = -1;
                digitsInRun = 0;
            }
            uppers = (kind & UPPER) != 0 ? uppers + 1 : 0;
        }
        if (runStart >= 0) {
            endRun(runStart, n, digitsInRun);
        }
    }

    private void endRun(int start, int end, int digitsInRun) {
        digits += digitsInRun;
        if (digitsInRun < MIN_RUN_DIGITS) {
            return;
        }
        if (runs == runStarts.length) {
            runStarts = Arrays.copyOf(runStarts, runs * 2);
            runEnds = Arrays.copyOf(runEnds, runs * 2);
            runDigits = Arrays.copyOf(runDigits, runs * 2);
        }
        runStarts[runs] = start;
        runEnds[runs] = end;
        runDigits[runs++] = digitsInRun;
        maxRunDigits = Math.max(maxRunDigits, digitsInRun);
    }

    private void addIbanStart(int start) {
        if (ibanStarts == ibanStart.length) {
            ibanStart = Arrays.copyOf(ibanStart, ibanStarts * 2);
        }
        ibanStart[ibanStarts++] = start;
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    int digits() {
        return digits;
    }

    /** Whether some numeric run has at least {@code count} digits. */
    boolean hasRunOf(int count) {
        return maxRunDigits >= count;
    }

    int runs() {
        return runs;
    }

    int runStart(int run) {
        return runStarts[run];
    }

    int runEnd(int run) {
        return runEnds[run];
    }

    int runDigits(int run) {
        return runDigits[run];
    }

    int ibanStarts() {
        return ibanStarts;
    }

    int ibanStart(int index) {
        return ibanStart[index];
    }
}
