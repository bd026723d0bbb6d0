package dev.gatehouse.broker.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.ServeModeCheck;
import dev.gatehouse.broker.policy.PolicyConfigCheck;
import dev.gatehouse.broker.recording.MaskingConfig;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kubernetes manifests {@code helm template} makes of the chart, rendered by Helm's own library in this
 * JVM (helm-java), and what the broker's pod gets from them: its environment and its mounted files.
 *
 * @param text      the rendered multi-document YAML, as Helm printed it
 * @param documents each manifest, parsed
 */
record RenderedChart(String text, List<Map<String, Object>> documents) {

    static final String RELEASE = "gatehouse";
    static final String NAMESPACE = "gatehouse";
    private static final Pattern FILE_REFERENCE = Pattern.compile("\\$\\{file:([^}]*)}");

    /** {@code helm template gatehouse CHART --namespace gatehouse --set key=value …}. */
    static RenderedChart render(Path chart, Map<String, Object> sets) {
        TemplateCommand template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
        sets.forEach(template::set);
        String text = template.call();
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml().loadAll(text)) {
            if (document != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> manifest = (Map<String, Object>) document;
                documents.add(manifest);
            }
        }
        return new RenderedChart(text, List.copyOf(documents));
    }

    List<String> kinds() {
        return documents.stream().map(d -> (String) d.get("kind")).toList();
    }

    List<Map<String, Object>> all(String kind) {
        return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = all(kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", the chart rendered " + found.size());
        }
        return found.getFirst();
    }

    Map<String, Object> podTemplate() {
        return map(map(one("Deployment"), "spec"), "template");
    }

    Map<String, Object> podSpec() {
        return map(podTemplate(), "spec");
    }

    Map<String, Object> broker() {
        List<Map<String, Object>> containers = list(podSpec(), "containers");
        if (containers.size() != 1) {
            throw new AssertionError("expected the broker's container alone, found " + containers.size());
        }
        return containers.getFirst();
    }

    /** The ConfigMap's {@code gatehouse.yaml}, as the pod reads it. */
    String configYaml() {
        Object yaml = map(one("ConfigMap"), "data").get("gatehouse.yaml");
        if (yaml == null) {
            throw new AssertionError("the ConfigMap has no gatehouse.yaml");
        }
        return (String) yaml;
    }

    /** The broker container's mounts: mount path → the pod's volume of that name. */
    Map<String, Map<String, Object>> mounts() {
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Map<String, Object> volume : list(podSpec(), "volumes")) {
            volumes.put((String) volume.get("name"), volume);
        }
        Map<String, Map<String, Object>> mounts = new HashMap<>();
        for (Map<String, Object> mount : list(broker(), "volumeMounts")) {
            Map<String, Object> volume = volumes.get((String) mount.get("name"));
            if (volume == null) {
                throw new AssertionError("the broker mounts volume " + mount.get("name") + ", which the pod does not have");
            }
            mounts.put((String) mount.get("mountPath"), volume);
        }
        return mounts;
    }

    /**
     * The broker container's environment as the kubelet makes it: literal values, and {@code secretKeyRef}s
     * read from {@code secrets} (Secret name → key → value), the Secrets the operator created.
     */
    Map<String, String> environment(Map<String, Map<String, String>> secrets) {
        Map<String, String> environment = new HashMap<>();
        for (Map<String, Object> variable : list(broker(), "env")) {
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
     * Loads {@code gatehouse.yaml} as {@code gatehouse serve} does in the pod: with its environment and with
     * {@code ${file:…}} read where the pod's volumes put files. Each file is laid out under {@code scratch}
     * at its path in the container, and only if a mounted volume provides it.
     */
    GatehouseConfig loadConfig(String configDir, Map<String, Map<String, String>> secrets, Path scratch) {
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
                .withCheck(new ServeModeCheck())
                .parse("gatehouse.yaml (ConfigMap)", rebased.toString(), scratch.resolve(Path.of("/").relativize(containerConfigDir)));
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
                    Object value = map(one("ConfigMap"), "data").get(key);
                    if (value == null) {
                        throw new AssertionError("the configuration reads " + path + ", which the ConfigMap does not hold");
                    }
                    return (String) value;
                }
                throw new AssertionError("the configuration reads " + path + " from volume " + volume.get("name")
                        + ", which holds no such file");
            }
        }
        throw new AssertionError("the configuration reads " + path + ", and no volume mounted in the broker provides it");
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

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object child = parent.get(key);
        if (!(child instanceof Map<?, ?>)) {
            throw new AssertionError("no mapping " + key + " in " + parent.keySet());
        }
        return (Map<String, Object>) child;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object child = parent.get(key);
        return child == null ? List.of() : (List<Map<String, Object>>) child;
    }
}
