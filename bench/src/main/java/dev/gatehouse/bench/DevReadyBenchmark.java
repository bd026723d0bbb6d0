package dev.gatehouse.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How long {@code gatehouse dev} takes from a cold JVM to ready: the process is started as a person starts it
 * (the launcher's JVM, built artifacts, free ports) and timed until it prints that it is ready, every part
 * (embedded PostgreSQL from its binaries, the Temporal test server, the demo upstream, the broker) up.
 *
 * <p>Usage: {@code bin/bench dev-ready [--runs 3]}
 */
public final class DevReadyBenchmark {

    private static final String READY = "Gatehouse dev stack is ready";
    private static final double TARGET_SECONDS = 15;

    private DevReadyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(ProxyBenchmark.options(args).getOrDefault("--runs", "3"));
        String java = ProcessHandle.current().info().command().orElseThrow();
        System.out.printf("Gatehouse dev stack start-up: %d cold starts of `gatehouse dev --port 0 --temporal-port 0`, %d CPUs, %s%n",
                runs, Runtime.getRuntime().availableProcessors(), Runtime.version());
        System.out.printf("%-6s %16s %18s%n", "run", "ready after s", "it reports s");
        double[] seconds = new double[runs];
        for (int run = 0; run < runs; run++) {
            long start = System.nanoTime();
            Process dev = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "dev.gatehouse.broker.Gatehouse", "dev", "--port", "0", "--temporal-port", "0")
                    .redirectErrorStream(true).start();
            String reported = null;
            List<String> output = new ArrayList<>();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(dev.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.add(line);
                    if (line.contains(READY)) {
                        seconds[run] = (System.nanoTime() - start) / 1e9;
                        reported = line.replaceAll(".*\\((.*) s\\).*", "$1");
                        break;
                    }
                }
                if (reported == null) {
                    throw new IllegalStateException("gatehouse dev exited before it was ready:\n" + String.join("\n", output));
                }
                dev.destroy();
                if (!dev.waitFor(30, TimeUnit.SECONDS)) {
                    dev.destroyForcibly();
                }
            } finally {
                dev.destroyForcibly();
            }
            System.out.printf(Locale.ROOT, "%-6d %16.1f %18s%n", run + 1, seconds[run], reported);
            BenchResults.record("dev.run" + (run + 1) + ".ready_s", seconds[run]);
        }
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        BenchResults.record("dev.ready_median_s", median);
        BenchResults.record("dev.ready_max_s", sorted[sorted.length - 1]);
        System.out.printf(Locale.ROOT, "%nready after a median %.1f s, at most %.1f s (JVM start included): target <= %.0f s %s%n",
                median, sorted[sorted.length - 1], TARGET_SECONDS, sorted[sorted.length - 1] <= TARGET_SECONDS ? "met" : "MISSED");
        System.exit(0);
    }
}
