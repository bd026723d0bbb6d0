package dev.gatehouse.broker.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.ServeModeCheck;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes manifests {@code helm template} makes of the chart, rendered by Helm's own library in this
 * JVM (helm-java); {@link RenderedPods} says what the broker's and the agents' pods get from them.
 *
 * @param text      the rendered multi-document YAML, as Helm printed it
 * @param documents each manifest, parsed
 */
record RenderedChart(String text, List<Map<String, Object>> documents) {

    static final String RELEASE = "gatehouse";
    static final String NAMESPACE = "gatehouse";
    static final String COMPONENT = "app.kubernetes.io/component";

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

    /** The manifests of {@code kind} whose {@code app.kubernetes.io/component} label is {@code component}. */
    List<Map<String, Object>> all(String kind, String component) {
        return all(kind).stream().filter(d -> component.equals(component(d))).toList();
    }

    Map<String, Object> one(String kind, String component) {
        List<Map<String, Object>> found = all(kind, component);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + " of component " + component + ", the chart rendered " + found.size());
        }
        return found.getFirst();
    }

    static String component(Map<String, Object> manifest) {
        Object labels = map(manifest, "metadata").get("labels");
        return labels instanceof Map<?, ?> byName ? (String) byName.get(COMPONENT) : null;
    }

    /** The brokers' pods, reading {@code gatehouse.yaml}. */
    RenderedPods brokers() {
        return new RenderedPods(this, "broker", "gatehouse.yaml");
    }

    /** The agents' pods ({@code agent.enabled}), reading {@code agent.yaml}. */
    RenderedPods agents() {
        return new RenderedPods(this, "agent", "agent.yaml");
    }

    Map<String, Object> podTemplate() {
        return brokers().podTemplate();
    }

    Map<String, Object> podSpec() {
        return brokers().podSpec();
    }

    Map<String, Object> broker() {
        return brokers().container();
    }

    /** The broker's ConfigMap's {@code gatehouse.yaml}, as the pod reads it. */
    String configYaml() {
        return brokers().configYaml();
    }

    /** The broker container's mounts: mount path → the pod's volume of that name. */
    Map<String, Map<String, Object>> mounts() {
        return brokers().mounts();
    }

    /** The broker container's environment (see {@link RenderedPods#environment}). */
    Map<String, String> environment(Map<String, Map<String, String>> secrets) {
        return brokers().environment(secrets);
    }

    /** Loads {@code gatehouse.yaml} as {@code gatehouse serve} does in the pod (see {@link RenderedPods#load}). */
    GatehouseConfig loadConfig(String configDir, Map<String, Map<String, String>> secrets, Path scratch) {
        return brokers().load(new ServeModeCheck(), configDir, secrets, scratch);
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
