package dev.gatehouse.broker.testing;

import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.dev.DevStack;
import dev.gatehouse.broker.policy.PolicyConfigCheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real dev stack (embedded PostgreSQL, Temporal, dev issuer, broker) on free ports, with the
 * upstreams a test gives it in YAML. Tokens come from the real dev issuer.
 */
public final class TestStack implements AutoCloseable {

    private final DevStack stack;
    private final Path configDir;

    private TestStack(DevStack stack, Path configDir) {
        this.stack = stack;
        this.configDir = configDir;
    }

    public static TestStack start(String configYaml) {
        try {
            Path dir = Files.createTempDirectory("gatehouse-test");
            Path file = dir.resolve("gatehouse.yaml");
            Files.writeString(file, configYaml);
            DevStack stack = DevStack.start(new DevStack.Options("127.0.0.1", 0, 0, Optional.of(file)),
                    new ConfigLoader(Map.<String, String>of()::get).withCheck(new PolicyConfigCheck()));
            return new TestStack(stack, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The configuration file the stack was started with (and watches for policy changes). */
    public Path configFile() {
        return configDir.resolve("gatehouse.yaml");
    }

    public DevStack dev() {
        return stack;
    }

    public URI baseUrl() {
        return URI.create(stack.brokerUrl().toString().replaceAll("/$", ""));
    }

    public URI mcp(String upstream) {
        return URI.create(baseUrl() + "/mcp/" + upstream);
    }

    public String token(String subject, String... groups) {
        return stack.issuer().issue(subject, List.of(groups), Optional.of(subject + "@example.com"));
    }

    public RawMcp raw(String upstream) {
        return new RawMcp(mcp(upstream));
    }

    @Override
    public void close() {
        stack.close();
        try (var files = Files.walk(configDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
