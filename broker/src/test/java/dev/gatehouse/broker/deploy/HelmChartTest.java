package dev.gatehouse.broker.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.gatehouse.broker.config.GatehouseConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.gatehouse.broker.deploy.RenderedChart.list;
import static dev.gatehouse.broker.deploy.RenderedChart.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Helm chart in {@code deploy/helm/gatehouse} checked against what the broker expects, since no cluster
 * runs here to install it: rendered and linted by Helm itself (helm-java, in this JVM), with its default
 * values and with a variant (three replicas, a ServiceMonitor, Temporal mTLS from a mounted Secret). The
 * rendered {@code gatehouse.yaml} loads in {@code serve} mode with exactly the environment and files the pod
 * gets; the probes, ports, selectors and security context fit the broker and its image.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path CHART = ROOT.resolve("deploy/helm/gatehouse");
    private static final String VERSION = System.getProperty("gatehouse.version", "0.1.0-SNAPSHOT");
    /** The image's default command reads the configuration there (docs/deploying.md, "The container image"). */
    private static final String CONFIG_DIR = "/etc/gatehouse";
    private static final int IMAGE_USER = 65532;
    private static final String TLS_SECRET = "temporal-client-tls";
    /** What an operator would put in the Secrets the chart reads (real shapes: a 32-byte key, PEM blocks). */
    private static final Map<String, Map<String, String>> OPERATOR_SECRETS = Map.of(
            RenderedChart.RELEASE, Map.of(
                    "payload-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                    "pg-password", "pg-password-only-the-cluster-knows",
                    "ui-client-secret", "ui-client-secret-only-the-cluster-knows"),
            TLS_SECRET, Map.of(
                    "ca.crt", pem("CERTIFICATE"),
                    "tls.crt", pem("CERTIFICATE"),
                    "tls.key", pem("PRIVATE KEY")));
    /** The chart's variables that hold no secret, so may be written into the manifest. */
    private static final Set<String> PLAIN_VARIABLES = Set.of("GATEHOUSE_LOG_FORMAT");
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)}");
    private static final Pattern SECRET_REFERENCE = Pattern.compile("\\$\\{(env|file):[^}]+}");
    /** A 256-bit key in base64, as {@code openssl rand -base64 32} prints it. */
    private static final Pattern KEY_SHAPE = Pattern.compile("(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=");

    private static final Map<String, Object> VARIANT = Map.of(
            "replicas", 3,
            "serviceMonitor.enabled", true,
            "temporalTls.enabled", true,
            "temporalTls.secretName", TLS_SECRET);

    @TempDir
    Path scratch;

    private RenderedChart defaults;
    private RenderedChart variant;

    @BeforeAll
    void render() {
        defaults = RenderedChart.render(CHART, Map.of());
        variant = RenderedChart.render(CHART, VARIANT);
    }

    @Test
    void passesHelmLint() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.getMessages()).noneMatch(message -> message.contains("[ERROR]") || message.contains("[WARNING]"));
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void rendersTheBrokerAloneWithNoSecretOfItsOwn() {
        // No agent Deployment yet: agent mode does not exist. The chart never creates the Secret it reads.
        assertThat(defaults.kinds()).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "Service", "Deployment",
                "PodDisruptionBudget");
        assertThat(variant.kinds()).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "Service", "Deployment",
                "PodDisruptionBudget", "ServiceMonitor");
        assertThat(map(defaults.one("Deployment"), "spec").get("replicas")).isEqualTo(2);
        assertThat(map(variant.one("Deployment"), "spec").get("replicas")).isEqualTo(3);
    }

    @Test
    void runsTheImageThisBuildMakesInServeModeWithTheMountedConfiguration() throws IOException {
        Map<String, Object> chart = new Yaml().load(Files.readString(CHART.resolve("Chart.yaml")));
        assertThat(chart.get("appVersion")).isEqualTo(VERSION);
        Map<String, Object> broker = defaults.broker();
        assertThat(broker.get("image")).isEqualTo("gatehouse/broker:" + VERSION);
        assertThat(broker.get("args")).isEqualTo(List.of("serve", "--config", CONFIG_DIR + "/gatehouse.yaml"));
        // The directory, not a subPath, so the broker sees ConfigMap updates and reloads its policies.
        Map<String, Object> config = defaults.mounts().get(CONFIG_DIR);
        assertThat(config).as("a volume mounted at " + CONFIG_DIR).isNotNull();
        assertThat(map(config, "configMap").get("name")).isEqualTo(map(defaults.one("ConfigMap"), "metadata").get("name"));
        assertThat(list(broker, "volumeMounts")).filteredOn(mount -> CONFIG_DIR.equals(mount.get("mountPath")))
                .singleElement().satisfies(mount -> {
                    assertThat(mount).doesNotContainKey("subPath");
                    assertThat(mount.get("readOnly")).isEqualTo(true);
                });
    }

    @Test
    void loadsItsConfigurationInServeModeWithTheEnvironmentAndFilesThePodGets() {
        GatehouseConfig plain = defaults.loadConfig(CONFIG_DIR, OPERATOR_SECRETS, scratch.resolve("defaults"));
        assertThat(plain.temporal().payloadKey()).isEqualTo(OPERATOR_SECRETS.get(RenderedChart.RELEASE).get("payload-key"));
        assertThat(plain.storage().postgres().password()).isEqualTo(OPERATOR_SECRETS.get(RenderedChart.RELEASE).get("pg-password"));
        assertThat(plain.temporal().tls()).isNull();

        GatehouseConfig mtls = variant.loadConfig(CONFIG_DIR, OPERATOR_SECRETS, scratch.resolve("variant"));
        assertThat(mtls.temporal().tls().serverCa()).isEqualTo(OPERATOR_SECRETS.get(TLS_SECRET).get("ca.crt"));
        assertThat(mtls.temporal().tls().clientCert()).isEqualTo(OPERATOR_SECRETS.get(TLS_SECRET).get("tls.crt"));
        assertThat(mtls.temporal().tls().clientKey()).isEqualTo(OPERATOR_SECRETS.get(TLS_SECRET).get("tls.key"));
        assertThat(variant.mounts().values()).filteredOn(volume -> volume.containsKey("secret")).singleElement()
                .satisfies(volume -> assertThat(map(volume, "secret").get("secretName")).isEqualTo(TLS_SECRET));
    }

    @Test
    void givesTheBrokerEveryVariableItsConfigurationReadsFromTheSecret() {
        for (RenderedChart rendered : List.of(defaults, variant)) {
            Set<String> referenced = new TreeSet<>();
            Matcher m = ENV_REFERENCE.matcher(rendered.configYaml());
            while (m.find()) {
                referenced.add(m.group(1));
            }
            Set<String> fromSecrets = new TreeSet<>();
            for (Map<String, Object> variable : list(rendered.broker(), "env")) {
                if (variable.get("valueFrom") instanceof Map<?, ?> from && from.get("secretKeyRef") instanceof Map<?, ?> ref) {
                    assertThat(ref.get("name")).isEqualTo(RenderedChart.RELEASE);
                    fromSecrets.add((String) variable.get("name"));
                }
            }
            assertThat(fromSecrets).isEqualTo(referenced).contains("GATEHOUSE_PAYLOAD_KEY", "PGPASSWORD", "GATEHOUSE_UI_CLIENT_SECRET");
            assertThat(rendered.environment(OPERATOR_SECRETS)).containsEntry("GATEHOUSE_LOG_FORMAT", "json");
        }
    }

    @Test
    void writesNoSecretIntoTheManifests() {
        for (RenderedChart rendered : List.of(defaults, variant)) {
            assertThat(rendered.kinds()).doesNotContain("Secret");
            assertThat(rendered.text()).doesNotContain("-----BEGIN").doesNotContainPattern(KEY_SHAPE);
            for (Map<String, Object> variable : list(rendered.broker(), "env")) {
                if (variable.containsKey("value")) {
                    assertThat((String) variable.get("name")).isIn(PLAIN_VARIABLES);
                }
            }
            // Every secret-bearing key of gatehouse.yaml is a reference, never the value itself.
            Map<String, Object> config = new Yaml().load(rendered.configYaml());
            List<Object> secrets = List.of(
                    map(map(config, "storage"), "postgres").get("password"),
                    map(config, "temporal").get("payloadKey"),
                    map(map(config, "ui"), "login").get("clientSecret"));
            assertThat(secrets).allSatisfy(value -> assertThat((String) value).matches(SECRET_REFERENCE));
        }
    }

    @Test
    void listensOnTheConfiguredPortAndProbesHealthAndReadinessThere() {
        GatehouseConfig config = defaults.loadConfig(CONFIG_DIR, OPERATOR_SECRETS, scratch);
        Map<String, Object> broker = defaults.broker();
        assertThat(list(broker, "ports")).singleElement().satisfies(port -> {
            assertThat(port.get("name")).isEqualTo("http");
            assertThat(port.get("containerPort")).isEqualTo(config.server().port());
        });
        // Bound to every interface, or the kubelet's probes and the Service could not reach it.
        assertThat(config.server().host()).isEqualTo("0.0.0.0");

        assertThat(httpGet(broker, "livenessProbe")).containsEntry("path", "/healthz").containsEntry("port", "http");
        assertThat(httpGet(broker, "startupProbe")).containsEntry("path", "/healthz").containsEntry("port", "http");
        // /readyz is 503 only without PostgreSQL; "degraded" (Temporal away) is still 200, so pods stay in.
        assertThat(httpGet(broker, "readinessProbe")).containsEntry("path", "/readyz").containsEntry("port", "http");
        // JVM start and Flyway migrations before the first answer: at least two minutes before a restart.
        Map<String, Object> startup = map(broker, "startupProbe");
        assertThat((int) startup.get("periodSeconds") * (int) startup.get("failureThreshold")).isGreaterThanOrEqualTo(120);
    }

    @Test
    void leavesRoomForAnOrderlyShutdown() {
        // Held calls are told to retry, then HTTP stops, the worker gets 10 s, recorded events are committed.
        int grace = (int) defaults.podSpec().get("terminationGracePeriodSeconds");
        int preStop = (int) map(map(map(defaults.broker(), "lifecycle"), "preStop"), "sleep").get("seconds");
        assertThat(grace - preStop).isGreaterThanOrEqualTo(30);
    }

    @Test
    void servesTheNamedPortToThePodsItsSelectorsMatch() {
        for (RenderedChart rendered : List.of(defaults, variant)) {
            Map<String, Object> podLabels = map(map(rendered.podTemplate(), "metadata"), "labels");
            Map<String, Object> deploymentSelector = map(map(map(rendered.one("Deployment"), "spec"), "selector"), "matchLabels");
            Map<String, Object> serviceSelector = map(map(rendered.one("Service"), "spec"), "selector");
            Map<String, Object> pdbSelector = map(map(map(rendered.one("PodDisruptionBudget"), "spec"), "selector"), "matchLabels");
            assertThat(deploymentSelector).isNotEmpty().containsEntry("app.kubernetes.io/component", "broker");
            assertThat(podLabels).containsAllEntriesOf(deploymentSelector);
            assertThat(serviceSelector).isEqualTo(deploymentSelector);
            assertThat(pdbSelector).isEqualTo(deploymentSelector);
            assertThat(list(rendered.podSpec(), "topologySpreadConstraints")).singleElement().satisfies(spread -> {
                assertThat(spread.get("topologyKey")).isEqualTo("kubernetes.io/hostname");
                assertThat(map(map(spread, "labelSelector"), "matchLabels")).isEqualTo(deploymentSelector);
            });

            Map<String, Object> service = map(rendered.one("Service"), "spec");
            assertThat(service.get("type")).isEqualTo("ClusterIP");
            assertThat(list(service, "ports")).singleElement().satisfies(port -> {
                assertThat(port.get("targetPort")).isEqualTo("http");
                assertThat(port.get("name")).isEqualTo("http");
            });
            assertThat(map(rendered.one("PodDisruptionBudget"), "spec")).containsEntry("maxUnavailable", 1);
        }
    }

    @Test
    void runsAsTheImagesNonRootUserOnAReadOnlyRootWithAWritableTmp() {
        Map<String, Object> pod = map(defaults.podSpec(), "securityContext");
        assertThat(pod).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", IMAGE_USER);
        assertThat(map(pod, "seccompProfile")).containsEntry("type", "RuntimeDefault");
        Map<String, Object> container = map(defaults.broker(), "securityContext");
        assertThat(container).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", IMAGE_USER)
                .containsEntry("readOnlyRootFilesystem", true).containsEntry("allowPrivilegeEscalation", false);
        assertThat(map(container, "capabilities").get("drop")).isEqualTo(List.of("ALL"));
        assertThat(map(container, "seccompProfile")).containsEntry("type", "RuntimeDefault");

        // The JVM and netty's native libraries need a writable /tmp: the one writable mount.
        Map<String, Object> tmp = defaults.mounts().get("/tmp");
        assertThat(tmp).as("a volume mounted at /tmp").isNotNull().containsKey("emptyDir");
        for (RenderedChart rendered : List.of(defaults, variant)) {
            for (Map<String, Object> mount : list(rendered.broker(), "volumeMounts")) {
                boolean writable = "/tmp".equals(mount.get("mountPath"));
                assertThat(mount.get("readOnly")).as(mount.get("mountPath") + " read-only").isEqualTo(writable ? null : true);
            }
        }
        assertThat(defaults.podSpec().get("automountServiceAccountToken")).isEqualTo(false);
    }

    @Test
    void scrapesMetricsOnlyWhenAServiceMonitorIsAskedFor() {
        assertThat(defaults.all("ServiceMonitor")).isEmpty();
        Map<String, Object> monitor = map(variant.one("ServiceMonitor"), "spec");
        Map<String, Object> selector = map(map(monitor, "selector"), "matchLabels");
        assertThat(selector).isNotEmpty();
        assertThat(map(map(variant.one("Service"), "metadata"), "labels")).containsAllEntriesOf(selector);
        assertThat(list(monitor, "endpoints")).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.get("path")).isEqualTo("/metrics");
            assertThat(endpoint.get("port")).isEqualTo(list(map(variant.one("Service"), "spec"), "ports").getFirst().get("name"));
        });
    }

    @Test
    void rollsThePodsWhenTheConfigurationChangesExceptForPoliciesWhichTheBrokerReloads() {
        RenderedChart otherUrl = RenderedChart.render(CHART, Map.of("config.server.publicUrl", "https://broker.example.org"));
        assertThat(otherUrl.configYaml()).isNotEqualTo(defaults.configYaml());
        assertThat(checksum(otherUrl)).isNotEqualTo(checksum(defaults));
        assertThat(checksum(variant)).as("temporal.tls added").isNotEqualTo(checksum(defaults));

        RenderedChart otherPolicy = RenderedChart.render(CHART, Map.of("config.policies[0].reason", "closed for now"));
        assertThat(otherPolicy.configYaml()).isNotEqualTo(defaults.configYaml());
        assertThat(checksum(otherPolicy)).isEqualTo(checksum(defaults));
    }

    private static String checksum(RenderedChart rendered) {
        Object checksum = map(map(rendered.podTemplate(), "metadata"), "annotations").get("checksum/config");
        assertThat(checksum).asString().matches("[0-9a-f]{64}");
        return (String) checksum;
    }

    private static Map<String, Object> httpGet(Map<String, Object> container, String probe) {
        return map(map(container, probe), "httpGet");
    }

    private static String pem(String kind) {
        return "-----BEGIN " + kind + "-----\nMIIBplaceholder\n-----END " + kind + "-----";
    }
}
