package dev.gatehouse.activities.masking;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AWS credentials: access key ids ({@code AKIA…} long-term, {@code ASIA…} temporary; 20
 * characters) anywhere, and 40-character secret access keys where something labels them as such,
 * either in the text ({@code aws_secret_access_key = …}, {@code "SecretAccessKey": "…"}) or as
 * the value of a field of that name. An unlabelled 40-character string is not masked: it is as
 * likely a commit hash or a checksum.
 */
final class AwsKeyDetector implements Detector {

    private static final String[] KEY_ID_PREFIXES = {"AKIA", "ASIA"};
    private static final int KEY_ID_LENGTH = 20;
    private static final int SECRET_LENGTH = 40;
    private static final String LABEL = "secretaccesskey";
    private static final Pattern LABELLED_SECRET = Pattern.compile(
            "(?i)secret[_-]?access[_-]?key[\"']?\\s*[:=]\\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])");

    @Override
    public String name() {
        return "aws-key";
    }

    @Override
    public String label() {
        return "AWS_KEY";
    }

    @Override
    public boolean showsLastChars() {
        return false;
    }

    @Override
    public void find(String text, String field, TextScan scan, Spans out) {
        if (scan.has(TextScan.UPPER)) {
            for (String prefix : KEY_ID_PREFIXES) {
                findKeyIds(text, prefix, out);
            }
        }
        if (text.length() == SECRET_LENGTH && field != null && isSecretLabel(field) && isSecret(text, 0)) {
            out.add(0, SECRET_LENGTH);
        } else if (text.length() > SECRET_LENGTH && mentionsSecretLabel(text)) {
            Matcher matcher = LABELLED_SECRET.matcher(text);
            while (matcher.find()) {
                out.add(matcher.start(1), matcher.end(1));
            }
        }
    }

    private static void findKeyIds(String text, String prefix, Spans out) {
        int at = text.indexOf(prefix);
        while (at >= 0) {
            int end = at + KEY_ID_LENGTH;
            boolean found = end <= text.length()
                    && (at == 0 || !Ascii.isAlnum(text.charAt(at - 1)))
                    && (end == text.length() || !Ascii.isAlnum(text.charAt(end)));
            for (int i = at + prefix.length(); found && i < end; i++) {
                char c = text.charAt(i);
                found = Ascii.isUpper(c) || Ascii.isDigit(c);
            }
            if (found) {
                out.add(at, end);
            }
            at = text.indexOf(prefix, found ? end : at + 1);
        }
    }

    private static boolean isSecret(String text, int from) {
        for (int i = from; i < from + SECRET_LENGTH; i++) {
            if (!Ascii.isBase64(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether a field name ends with "secret access key" however it is cased or separated. */
    private static boolean isSecretLabel(String field) {
        int matched = LABEL.length();
        for (int i = field.length() - 1; i >= 0 && matched > 0; i--) {
            char c = field.charAt(i);
            if (c == '_' || c == '-') {
                continue;
            }
            if (Character.toLowerCase(c) != LABEL.charAt(matched - 1)) {
                return false;
            }
            matched--;
        }
        return matched == 0;
    }

    // A cheap test before the regular expression: every spelling the pattern accepts contains one of these.
    private static boolean mentionsSecretLabel(String text) {
        return text.contains("ccess") || text.contains("CCESS");
    }
}
