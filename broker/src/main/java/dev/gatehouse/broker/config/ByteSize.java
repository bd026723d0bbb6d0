package dev.gatehouse.broker.config;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size in bytes, written in configuration as {@code 1048576}, {@code 512KiB}, {@code 4MiB} or {@code 1GiB}. */
public record ByteSize(long bytes) {

    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(b|kib|kb|mib|mb|gib|gb)?");

    public ByteSize {
        if (bytes < 1) {
            throw new IllegalArgumentException("must be at least 1 byte");
        }
    }

    public static ByteSize ofMebibytes(long mebibytes) {
        return new ByteSize(mebibytes * 1024 * 1024);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ByteSize parse(String text) {
        Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a size such as 65536, 512KiB, 4MiB or 1GiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long factor = switch (unit) {
            case "kib", "kb" -> 1024L;
            case "mib", "mb" -> 1024L * 1024;
            case "gib", "gb" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return new ByteSize(Math.multiplyExact(n, factor));
    }

    public int asIntBytes() {
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }
}
