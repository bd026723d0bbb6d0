package dev.gatehouse.notifier.email;

/** Text made safe for HTML: the mails' HTML part, the decision-link pages and the dev mail catcher share it. */
public final class Html {

    private Html() {
    }

    /** Escapes text for HTML element content and double-quoted or single-quoted attributes. */
    public static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
