package dev.gatehouse.broker.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A container image as Jib's {@code buildTar} writes it ({@code docker save} format: {@code manifest.json},
 * the config JSON and one gzipped tar per layer), read without a Docker engine.
 *
 * @param tags   the names it is tagged with ({@code RepoTags})
 * @param config the run settings: {@code Entrypoint}, {@code Cmd}, {@code User}, {@code ExposedPorts}, {@code Env}
 * @param layers the layer archives, bottom first, unpacked under {@link #unpack}'s directory
 */
record ImageTarball(List<String> tags, JsonNode config, List<Path> layers) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code tarball}, unpacking its outer archive into {@code workDir}. */
    static ImageTarball read(Path tarball, Path workDir) {
        if (!Files.isRegularFile(tarball)) {
            throw new IllegalStateException("no image at " + tarball + ": build it with ./mvnw -pl broker -am package -Pimage");
        }
        Path outer = workDir.resolve("archive");
        recreate(outer);
        run(List.of("tar", "-xf", tarball.toString(), "-C", outer.toString()));
        try {
            JsonNode manifest = JSON.readTree(outer.resolve("manifest.json").toFile()).get(0);
            List<String> tags = new ArrayList<>();
            manifest.path("RepoTags").forEach(tag -> tags.add(tag.asText()));
            List<Path> layers = new ArrayList<>();
            manifest.path("Layers").forEach(layer -> layers.add(outer.resolve(layer.asText())));
            JsonNode config = JSON.readTree(outer.resolve(manifest.path("Config").asText()).toFile()).path("config");
            return new ImageTarball(List.copyOf(tags), config, List.copyOf(layers));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image in " + tarball, e);
        }
    }

    /** The image's file system: every layer unpacked over the one below, as a container runtime does. */
    Path unpack(Path root) {
        recreate(root);
        for (Path layer : layers) {
            // Jib stamps entries with libarchive's creation time, which GNU tar does not know and need not.
            run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", layer.toString(), "-C", root.toString()));
        }
        return root;
    }

    private static void recreate(Path dir) {
        run(List.of("rm", "-rf", dir.toString()));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
