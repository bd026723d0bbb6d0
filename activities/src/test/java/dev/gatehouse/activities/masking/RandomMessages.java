package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Random JSON-RPC messages with sensitive values planted in the places the default profile must
 * mask, each kept apart from the random text around it by {@code " ; "} so that no neighbour can
 * legitimately change what it looks like. Not thread-safe; one per test.
 */
final class RandomMessages {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] KEYS = {"name", "value", "note", "items", "customer", "details", "list", "a", "b",
            "description", "title", "payload", "status", "comment", "content", "text", "data", "rows", "x y", "ключ", "😀"};
    private static final String[] WORDS = {"the", "order", "shipped", "version", "2.14.3", "on", "2024-03-05", "total",
            "EUR", "1,234.56", "at", "10:30", "id", "ORD-2024-118842", "ok", "std::vector", "v1.2", "#42", "x", "über",
            "中文", "🐕", "\"quoted\"", "back\\slash", "tab\there", "new\nline", "nul\u0000", "bell\u0007", "esc\u001b",
            "{", "}", "[", "]", ":", ",", "e=mc²", "50%", "AKIA", "eyJ", "-----", "@", "+", "(0)", "::", "sig=", "ghp_"};
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String BASE64URL = ALNUM + "-_";

    private final Random random;
    private final List<String> planted = new ArrayList<>();

    RandomMessages(long seed) {
        this.random = new Random(seed);
    }

    /** The sensitive values planted in the messages made since the last call, then forgets them. */
    List<String> takePlanted() {
        List<String> values = List.copyOf(planted);
        planted.clear();
        return values;
    }

    ObjectNode message(int id) {
        ObjectNode message = NODES.objectNode().put("jsonrpc", "2.0");
        switch (random.nextInt(5)) {
            case 0 -> {
                message.put("id", id).put("method", "tools/call");
                ObjectNode params = message.putObject("params").put("name", "lookup_" + word());
                params.set("arguments", value(0, true));
                params.putObject("_meta").put("progressToken", "p-" + id).put("trace", cleanText());
            }
            case 1 -> {
                message.put("method", "notifications/message");
                message.putObject("params").put("level", "info").put("logger", text()).set("data", value(0, true));
            }
            case 2 -> {
                message.put("method", "notifications/progress");
                message.putObject("params").put("progressToken", id).put("progress", random.nextInt(100)).put("message", text());
            }
            case 3 -> message.put("id", "r-" + id).set("result", toolResult());
            default -> {
                message.put("id", id);
                ObjectNode error = message.putObject("error").put("code", -32000 - random.nextInt(100)).put("message", text());
                error.set("data", value(0, true));
            }
        }
        return message;
    }

    private ObjectNode toolResult() {
        ObjectNode result = NODES.objectNode();
        JsonNode structured = random.nextBoolean() ? value(0, true) : null;
        ArrayNode content = result.putArray("content");
        for (int i = random.nextInt(4); i >= 0; i--) {
            switch (random.nextInt(4)) {
                case 0 -> content.addObject().put("type", "text").put("text",
                        structured != null && random.nextBoolean() ? structured.toString() : text());
                case 1 -> content.addObject().put("type", "text").put("text", value(1, true).toPrettyString());
                case 2 -> content.addObject().put("type", "resource").putObject("resource")
                        .put("uri", "file:///docs/" + word()).put("mimeType", "text/plain").put("text", text());
                default -> content.addObject().put("type", "image").put("mimeType", "image/png")
                        .put("data", Base64.getEncoder().encodeToString(cleanText().getBytes(StandardCharsets.UTF_8)));
            }
        }
        if (structured != null) {
            result.set("structuredContent", structured);
        }
        if (random.nextInt(4) == 0) {
            result.set("extra", value(1, false));
        }
        result.put("isError", random.nextInt(10) == 0);
        return result;
    }

    /** A random JSON value; {@code sensitive} plants values in its strings. */
    private JsonNode value(int depth, boolean sensitive) {
        int kind = depth >= 4 ? 3 + random.nextInt(4) : random.nextInt(7);
        return switch (kind) {
            case 0, 1 -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    object.set(KEYS[random.nextInt(KEYS.length)] + (random.nextInt(3) == 0 ? i : ""), value(depth + 1, sensitive));
                }
                yield object;
            }
            case 2 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    array.add(value(depth + 1, sensitive));
                }
                yield array;
            }
            case 3, 4 -> NODES.textNode(sensitive ? text() : cleanText());
            default -> number();
        };
    }

    private JsonNode number() {
        return switch (random.nextInt(6)) {
            case 0 -> NODES.numberNode(random.nextInt());
            case 1 -> NODES.numberNode(random.nextLong());
            case 2 -> NODES.numberNode(new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(10)));
            case 3 -> NODES.numberNode(new BigInteger(100, random));
            case 4 -> NODES.booleanNode(random.nextBoolean());
            default -> NODES.nullNode();
        };
    }

    /** Random text with, usually, a sensitive value or two in it. */
    private String text() {
        StringBuilder text = new StringBuilder(cleanText());
        for (int i = random.nextInt(3); i > 0; i--) {
            String value = sensitiveValue();
            planted.add(value);
            text.append(" ; ").append(value).append(" ; ").append(cleanText());
        }
        return text.toString();
    }

    private String cleanText() {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(8); i > 0; i--) {
            text.append(random.nextInt(5) == 0 ? randomChars() : word()).append(' ');
        }
        return text.toString();
    }

    private String word() {
        return WORDS[random.nextInt(WORDS.length)];
    }

    private String randomChars() {
        StringBuilder chars = new StringBuilder();
        for (int i = random.nextInt(6); i >= 0; i--) {
            int kind = random.nextInt(10);
            if (kind == 0) {
                chars.append((char) random.nextInt(0x20));
            } else if (kind == 1) {
                chars.appendCodePoint(0x1F300 + random.nextInt(0x200));
            } else if (kind == 2) {
                chars.append((char) (0x4E00 + random.nextInt(0x5000)));
            } else if (kind == 3) {
                chars.append(random.nextBoolean() ? '\uD800' : '\uDFFF'); // a lone surrogate
            } else {
                chars.append((char) (0x21 + random.nextInt(0x5E)));
            }
        }
        return chars.toString();
    }

    private String sensitiveValue() {
        return switch (random.nextInt(16)) {
            case 0 -> chars(ALNUM.substring(26, 52), 3 + random.nextInt(6)) + (random.nextBoolean() ? ".x" : "") + "@"
                    + chars(ALNUM.substring(26, 52), 3 + random.nextInt(6)) + (random.nextBoolean() ? ".com" : ".co.uk");
            case 1 -> switch (random.nextInt(4)) {
                case 0 -> "+44 20 " + digits(4) + " " + digits(4);
                case 1 -> "(" + (2 + random.nextInt(8)) + digits(2) + ") " + (2 + random.nextInt(8)) + digits(2) + "-" + digits(4);
                case 2 -> "+1 " + (2 + random.nextInt(8)) + digits(2) + " 555 " + digits(4);
                default -> "+49" + digits(10);
            };
            case 2 -> card(random.nextBoolean());
            case 3 -> iban(random.nextBoolean());
            case 4 -> ssn();
            case 5 -> (10 + random.nextInt(214)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
            case 6 -> "2001:db8:" + Integer.toHexString(random.nextInt(0x10000)) + "::" + Integer.toHexString(1 + random.nextInt(0xFFFF));
            case 7 -> "AKIA" + chars(UPPER_DIGITS, 16);
            case 8 -> "AIza" + chars(BASE64URL, 35);
            case 9 -> "ghp" + "_" + chars(ALNUM, 36);
            case 10 -> "xox" + "b-" + digits(12) + "-" + chars(ALNUM, 24);
            case 11 -> "sk_" + "live_" + chars(ALNUM, 24);
            case 12 -> jwt();
            case 13 -> "-----BEGIN PRIVATE KEY-----\n" + chars(ALNUM + "+/", 64) + "\n" + chars(ALNUM, 20) + "==\n-----END PRIVATE KEY-----";
            case 14 -> "AccountKey=" + chars(ALNUM + "+/", 86) + "==";
            default -> "github" + "_pat_" + chars(ALNUM + "_", 60);
        };
    }

    private String card(boolean grouped) {
        StringBuilder digits = new StringBuilder("4").append(digits(14));
        for (int check = 0; check <= 9; check++) {
            if (CardDetector.luhn(digits + String.valueOf(check), 0, 16)) {
                digits.append(check);
                break;
            }
        }
        return grouped ? digits.substring(0, 4) + " " + digits.substring(4, 8) + " " + digits.substring(8, 12) + " " + digits.substring(12)
                : digits.toString();
    }

    private String iban(boolean grouped) {
        String bban = "WEST" + digits(14);
        // ISO 7064: the BBAN then the country and 00, letters as 10-35 (W=32 E=14 S=28 T=29, G=16 B=11).
        BigInteger numeric = new BigInteger("32142829" + bban.substring(4) + "161100");
        int check = 98 - numeric.mod(BigInteger.valueOf(97)).intValue();
        String iban = "GB" + (check < 10 ? "0" : "") + check + bban;
        return grouped ? iban.replaceAll("(.{4})(?!$)", "$1 ") : iban;
    }

    private String ssn() {
        int area = 1 + random.nextInt(899);
        if (area == 666) {
            area = 667;
        }
        return "%03d-%02d-%04d".formatted(area, 1 + random.nextInt(99), 1 + random.nextInt(9999));
    }

    private String jwt() {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        String header = encoder.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = encoder.encodeToString(("{\"sub\":\"" + chars(ALNUM, 8) + "\"}").getBytes(StandardCharsets.UTF_8));
        byte[] signature = new byte[32];
        random.nextBytes(signature);
        return header + "." + payload + "." + encoder.encodeToString(signature);
    }

    private String digits(int count) {
        return chars("0123456789", count);
    }

    private String chars(String alphabet, int count) {
        StringBuilder chars = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            chars.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return chars.toString();
    }
}
