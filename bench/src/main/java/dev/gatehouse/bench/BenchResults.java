package dev.gatehouse.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The headline numbers of a benchmark run, for {@link BenchmarkSuite}: each benchmark, run as the suite's child,
 * appends {@code key=value} lines to the file named by {@value #PROPERTY}; run alone, it records nothing.
 */
final class BenchResults {

    static final String PROPERTY = "gatehouse.bench.results";

    private BenchResults() {
    }

    static void record(String key, double value) {
        String file = System.getProperty(PROPERTY);
        if (file == null) {
            return;
        }
        try {
            Files.writeString(Path.of(file), String.format(Locale.ROOT, "%s=%.3f%n", key, value), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record " + key + " in " + file, e);
        }
    }

    /** The values a child recorded, the last one of each key. */
    static Map<String, Double> read(Path file) throws IOException {
        Map<String, Double> values = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return values;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int at = line.indexOf('=');
            if (at > 0) {
                values.put(line.substring(0, at), Double.parseDouble(line.substring(at + 1)));
            }
        }
        return values;
    }

    static List<String> keysStartingWith(Map<String, Double> values, String prefix) {
        return values.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }
}
