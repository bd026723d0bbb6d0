package dev.gatehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The machine a benchmark ran on, as a Markdown table: numbers only compare within one machine and one run. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        return "| machine | |\n| --- | --- |\n"
                + "| CPU | " + cpuInfo("model name").orElse("unknown") + " |\n"
                + "| CPUs available | " + Runtime.getRuntime().availableProcessors() + " |\n"
                + "| memory | " + memInfo("MemTotal").map(kib -> String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024)).orElse("unknown") + " |\n"
                + "| OS | " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
                + " |\n"
                + "| JDK | " + System.getProperty("java.vm.name") + " " + Runtime.version() + " |\n"
                + "| load average at start | " + loadAverage() + " (other work on a shared machine shows here) |\n";
    }

    static String loadAverage() {
        return read("/proc/loadavg").map(s -> String.join(" ", List.of(s.split(" ")).subList(0, 3))).orElse("unknown");
    }

    private static Optional<String> cpuInfo(String key) {
        return read("/proc/cpuinfo").flatMap(text -> text.lines().filter(l -> l.startsWith(key)).findFirst())
                .map(l -> l.substring(l.indexOf(':') + 1).trim());
    }

    private static Optional<Long> memInfo(String key) {
        return read("/proc/meminfo").flatMap(text -> text.lines().filter(l -> l.startsWith(key + ":")).findFirst())
                .map(l -> Long.parseLong(l.replaceAll("\\D+", "")));
    }

    private static Optional<String> read(String file) {
        try {
            return Optional.of(Files.readString(Path.of(file)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
