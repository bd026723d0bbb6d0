package dev.gatehouse.broker.policy;

import java.util.regex.Pattern;

/** A tool-name glob: {@code *} matches any run of characters, {@code ?} one; everything else is literal. */
record ToolGlob(String glob, Pattern pattern) {

    static ToolGlob of(String glob) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return new ToolGlob(glob, Pattern.compile(regex.toString(), Pattern.DOTALL));
    }

    boolean matches(String tool) {
        return pattern.matcher(tool).matches();
    }
}
