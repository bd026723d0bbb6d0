package dev.gatehouse.broker.deploy;

import dev.gatehouse.broker.config.ConfigCheck;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.policy.PolicyConfigCheck;
import dev.gatehouse.broker.recording.MaskingConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.gatehouse.broker.deploy.RenderedChart.list;
import static dev.gatehouse.broker.deploy.RenderedChart.map;

/**
 * One component's pods in a rendered chart (the brokers' or the agents'): its Deployment, the pod's one container,
 * and what that container gets: its environment, its mounted files, and its configuration file from its ConfigMap.
 *
 * @param chart      the rendered chart
 * @param component  the {@code app.kubernetes.io/component} label of the Deployment and its ConfigMap
 * @param configFile the ConfigMap's key the container reads its configuration from
 */
record RenderedPods(RenderedChart chart, String component, String configFile) {

    private static final Pattern FILE_REFERENCE = Pattern.compile("\\$\\{file:([^}]*)}");

    Map<String, Object> deployment() {
        return chart.one("Deployment", component);
    }

    Map<String, Object> configMap() {
        return chart.one("ConfigMap", component);
    }

    Map<String, Object> podTemplate() {
        return map(map(deployment(), "spec"), "template");
    }

    Map<String, Object> podSpec() {
        return map(podTemplate(), "spec");
    }

    Map<String, Object> podLabels() {
        return map(map(podTemplate(), "metadata"), "labels");
    }

    Map<String, Object> container() {
        List<Map<String, Object>> containers = list(podSpec(), "containers");
        if (containers.size() != 1) {
            throw new AssertionError("expected the " + component + "'s container alone, found " + containers.size());
        }
        return containers.getFirst();
    }

    /** The ConfigMap's configuration file, as the container reads it. */
    String configYaml() {
        Object yaml = map(configMap(), "data").get(configFile);
        if (yaml == null) {
            throw new AssertionError("the " + component + "'s ConfigMap has no " + configFile);
        }
        return (String) yaml;
    }

    /** The container's mounts: mount path → the pod's volume of that name. */
    Map<String, Map<String, Object>> mounts() {
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Map<String, Object> volume : list(podSpec(), "volumes")) {
            volumes.put((String) volume.get("name"), volume);
        }
        Map<String, Map<String, Object>> mounts = new HashMap<>();
        for (Map<String, Object> mount : list(container(), "volumeMounts")) {
            Map<String, Object> volume = volumes.get((String) mount.get("name"));
            if (volume == null) {
                throw new AssertionError("the " + component + " mounts volume " + mount.get("name") + ", which the pod does not have");
            }
            mounts.put((String) mount.get("mountPath"), volume);
        }
        return mounts;
    }

    /**
     * The container's environment as the kubelet makes it: literal values, and {@code secretKeyRef}s read from
     * {@code secrets} (Secret name → key → value), the Secrets the operator created.
     */
    Map<String, String> environment(Map<String, Map<String, String>> secrets) {
        Map<String, String> environment = new HashMap<>();
        for (Map<String, Object> variable : list(container(), "env")) {
            String name = (String) variable.get("name");
            if (variable.containsKey("value")) {
                environment.put(name, String.valueOf(variable.get("value")));
            } else {
                Map<String, Object> ref = map(map(variable, "valueFrom"), "secretKeyRef");
                environment.put(name, secretValue(secrets, (String) ref.get("name"), (String) ref.get("key")));
            }
        }
        return environment;
    }

    /**
     * Loads the configuration file as the container's command does (the loader of {@code Gatehouse.run} with
     * {@code modeCheck}): with its environment and with {@code ${file:…}} read where the pod's volumes put files.
     * Each file is laid out under {@code scratch} at its path in the container, and only if a mounted volume
     * provides it.
     */
    GatehouseConfig load(ConfigCheck modeCheck, String configDir, Map<String, Map<String, String>> secrets, Path scratch) {
        Path containerConfigDir = Path.of(configDir);
        Matcher m = FILE_REFERENCE.matcher(configYaml());
        StringBuilder rebased = new StringBuilder();
        while (m.find()) {
            Path inContainer = containerConfigDir.resolve(m.group(1).trim()).normalize();
            Path onDisk = scratch.resolve(Path.of("/").relativize(inContainer));
            write(onDisk, mountedFile(inContainer, secrets));
            m.appendReplacement(rebased, Matcher.quoteReplacement("${file:" + onDisk + "}"));
        }
        m.appendTail(rebased);
        Map<String, String> environment = environment(secrets);
        return new ConfigLoader(environment::get).withCheck(new PolicyConfigCheck()).withCheck(new MaskingConfig())
                .withCheck(modeCheck)
                .parse(configFile + " (ConfigMap)", rebased.toString(), scratch.resolve(Path.of("/").relativize(containerConfigDir)));
    }

    /** What the file at {@code path} in the container holds: a key of the mounted ConfigMap or Secret. */
    private String mountedFile(Path path, Map<String, Map<String, String>> secrets) {
        for (var mount : mounts().entrySet()) {
            Path mountPath = Path.of(mount.getKey());
            if (path.startsWith(mountPath) && path.getNameCount() == mountPath.getNameCount() + 1) {
                String key = path.getFileName().toString();
                Map<String, Object> volume = mount.getValue();
                if (volume.get("secret") instanceof Map<?, ?> secret) {
                    return secretValue(secrets, (String) secret.get("secretName"), key);
                }
                if (volume.containsKey("configMap")) {
                    Object value = map(configMap(), "data").get(key);
                    if (value == null) {
                        throw new AssertionError("the configuration reads " + path + ", which the ConfigMap does not hold");
                    }
                    return (String) value;
                }
                throw new AssertionError("the configuration reads " + path + " from volume " + volume.get("name")
                        + ", which holds no such file");
            }
        }
        throw new AssertionError("the configuration reads " + path + ", and no volume mounted in the " + component + " provides it");
    }

    private static String secretValue(Map<String, Map<String, String>> secrets, String secret, String key) {
        Map<String, String> data = secrets.get(secret);
        if (data == null || !data.containsKey(key)) {
            throw new AssertionError("the pod reads key " + key + " of Secret " + secret + ", which the operator's Secrets "
                    + secrets.keySet() + " do not have");
        }
        return data.get(key);
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
