package dev.gatehouse.activities.masking;

/**
 * PEM private keys, the whole block from {@code -----BEGIN … PRIVATE KEY-----} to its
 * {@code -----END … PRIVATE KEY-----} (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted PKCS#8, PGP).
 * A block whose END line is missing — a key cut off by a size limit — is masked to the end of the
 * string: part of a key is still a secret.
 */
final class PrivateKeyDetector implements Detector {

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    private static final int MAX_LABEL = 64;

    @Override
    public String name() {
        return "private-key";
    }

    @Override
    public String label() {
        return "PRIVATE_KEY";
    }

    @Override
    public boolean showsLastChars() {
        return false;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        if (!scan.has(TextScan.DASH) || !scan.has(TextScan.UPPER)) {
            return;
        }
        int at = text.indexOf(BEGIN);
        while (at >= 0) {
            int labelStart = at + BEGIN.length();
            int labelEnd = text.indexOf(DASHES, labelStart);
            int end = -1;
            if (labelEnd > 0 && labelEnd - labelStart <= MAX_LABEL && contains(text, labelStart, labelEnd, "PRIVATE KEY")) {
                int endLine = text.indexOf(END, labelEnd + DASHES.length());
                int close = endLine < 0 ? -1 : text.indexOf(DASHES, endLine + END.length());
                end = close < 0 ? text.length() : close + DASHES.length();
                out.add(at, end);
            }
            at = text.indexOf(BEGIN, end > 0 ? end : at + 1);
        }
    }

    private static boolean contains(String text, int from, int to, String part) {
        int found = text.indexOf(part, from);
        return found >= 0 && found + part.length() <= to;
    }
}
