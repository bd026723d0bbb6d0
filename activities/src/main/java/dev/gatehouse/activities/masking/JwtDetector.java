package dev.gatehouse.activities.masking;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * JSON Web Tokens (and JWE, which has five segments): base64url segments joined by dots whose
 * first segment starts {@code eyJ} — the encoding of <code>{"</code> — and decodes to a JSON
 * object. Decoding the header is what tells a token from dotted text that merely starts the same way.
 */
final class JwtDetector implements Detector {

    private static final String HEADER_START = "eyJ";
    private static final int MIN_HEADER = 10;

    @Override
    public String name() {
        return "jwt";
    }

    @Override
    public String label() {
        return "JWT";
    }

    @Override
    public boolean showsLastChars() {
        return false;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        if (!scan.has(TextScan.DOT) || !scan.has(TextScan.UPPER)) {
            return;
        }
        int n = text.length();
        int at = text.indexOf(HEADER_START);
        while (at >= 0) {
            int end = -1;
            if (at == 0 || !Ascii.isBase64Url(text.charAt(at - 1))) {
                int headerEnd = segmentEnd(text, at);
                int payloadEnd = headerEnd - at >= MIN_HEADER && headerEnd < n && text.charAt(headerEnd) == '.'
                        ? segmentEnd(text, headerEnd + 1) : -1;
                if (payloadEnd - headerEnd > 2 && payloadEnd < n && text.charAt(payloadEnd) == '.'
                        && isJsonObject(text, at, headerEnd)) {
                    end = segmentEnd(text, payloadEnd + 1);
                    while (end + 1 < n && text.charAt(end) == '.' && Ascii.isBase64Url(text.charAt(end + 1))) {
                        end = segmentEnd(text, end + 1);
                    }
                }
            }
            if (end > 0) {
                out.add(at, end);
            }
            at = text.indexOf(HEADER_START, end > 0 ? end : at + 1);
        }
    }

    private static int segmentEnd(String text, int from) {
        int i = from;
        while (i < text.length() && Ascii.isBase64Url(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isJsonObject(String text, int start, int end) {
        try {
            String header = new String(Base64.getUrlDecoder().decode(text.substring(start, end)), StandardCharsets.UTF_8).strip();
            return header.startsWith("{\"") && header.endsWith("}");
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
    }
}
