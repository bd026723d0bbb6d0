package dev.gatehouse.broker.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.gatehouse.broker.config.AgentModeCheck;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.UpstreamSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.gatehouse.broker.deploy.RenderedChart.list;
import static dev.gatehouse.broker.deploy.RenderedChart.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Helm chart in {@code deploy/helm/gatehouse} checked against what the broker expects, since no cluster
 * runs here to install it: rendered and linted by Helm itself (helm-java, in this JVM), with its default
 * values and with a variant (three replicas, a ServiceMonitor, Temporal mTLS from a mounted Secret). The
 * rendered {@code gatehouse.yaml} loads in {@code serve} mode with exactly the environment and files the pod
 * gets; the probes, ports, selectors and security context fit the broker and its image. With
 * {@code agent.enabled}, beside the broker and in an agent-only release, the agents' {@code agent.yaml} loads in
 * {@code agent} mode the same way, and no Service or broker selector reaches their pods.
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
    private static final String AGENT = "agent";
    private static final String BROKER = "broker";
    /** The agents' file, in a directory of its own. */
    private static final String AGENT_CONFIG_DIR = "/etc/gatehouse-agent";
    /** The agents' Secret when agent.existingSecret is not set. */
    private static final String AGENT_SECRET = RenderedChart.RELEASE + "-agent";
    private static final String AGENT_TLS_SECRET = "crm-agent-temporal-tls";
    /** The agents' queue in agent.config, which the brokers' agent upstream names in the {@link #AGENTS} render. */
    private static final String AGENT_QUEUE = "crm-agents";
    /** Beyond its longest upstream timeout, what an agent's shutdown needs: Agent's 5 s, and closing its clients. */
    private static final int AGENT_SHUTDOWN_MARGIN_SECONDS = 10;
    /** What an operator would put in the Secrets the chart reads (real shapes: a 32-byte key, PEM blocks). */
    private static final Map<String, Map<String, String>> OPERATOR_SECRETS = Map.of(
            RenderedChart.RELEASE, Map.of(
                    "payload-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                    "pg-password", "pg-password-only-the-cluster-knows",
                    "ui-client-secret", "ui-client-secret-only-the-cluster-knows"),
            TLS_SECRET, Map.of(
                    "ca.crt", pem("CERTIFICATE", "broker-ca"),
                    "tls.crt", pem("CERTIFICATE", "broker"),
                    "tls.key", pem("PRIVATE KEY", "broker")),
            // The brokers' payload key (an agent reads and writes their payloads) and the upstream's credential.
            AGENT_SECRET, Map.of(
                    "payload-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                    "crm-mcp-token", "crm-token-only-the-cluster-knows"),
            AGENT_TLS_SECRET, Map.of(
                    "ca.crt", pem("CERTIFICATE", "agent-ca"),
                    "tls.crt", pem("CERTIFICATE", "agent"),
                    "tls.key", pem("PRIVATE KEY", "agent")));
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
    /** Agents beside the broker, whose upstream crm they reach; the agents with Temporal mTLS of their own. */
    private static final Map<String, Object> AGENTS = Map.of(
            "agent.enabled", true,
            "config.upstreams[0].name", "crm",
            "config.upstreams[0].agent.taskQueue", AGENT_QUEUE,
            "agent.temporalTls.enabled", true,
            "agent.temporalTls.secretName", AGENT_TLS_SECRET);
    /** What runs next to the MCP server in its own network: agents and nothing of the broker's. */
    private static final Map<String, Object> AGENT_ONLY = Map.of(
            "broker.enabled", false,
            "agent.enabled", true,
            "serviceMonitor.enabled", true);

    @TempDir
    Path scratch;

    private RenderedChart defaults;
    private RenderedChart variant;
    private RenderedChart agents;
    private RenderedChart agentOnly;

    @BeforeAll
    void render() {
        defaults = RenderedChart.render(CHART, Map.of());
        variant = RenderedChart.render(CHART, VARIANT);
        agents = RenderedChart.render(CHART, AGENTS);
        agentOnly = RenderedChart.render(CHART, AGENT_ONLY);
    }

    @Test
    void passesHelmLint() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.getMessages()).noneMatch(message -> message.contains("[ERROR]") || message.contains("[WARNING]"));
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void rendersTheBrokerAloneWithNoSecretOfItsOwn() {
        // No agents unless agent.enabled. The chart never creates the Secret it reads.
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
            assertThat(fromSecret(rendered.broker(), RenderedChart.RELEASE)).isEqualTo(envReferences(rendered.configYaml()))
                    .contains("GATEHOUSE_PAYLOAD_KEY", "PGPASSWORD", "GATEHOUSE_UI_CLIENT_SECRET");
            assertThat(rendered.environment(OPERATOR_SECRETS)).containsEntry("GATEHOUSE_LOG_FORMAT", "json");
        }
    }

    @Test
    void writesNoSecretIntoTheManifests() {
        for (RenderedChart rendered : List.of(defaults, variant, agents, agentOnly)) {
            assertThat(rendered.kinds()).doesNotContain("Secret");
            assertThat(rendered.text()).doesNotContain("-----BEGIN").doesNotContainPattern(KEY_SHAPE);
            OPERATOR_SECRETS.values().forEach(secret -> assertThat(rendered.text()).doesNotContain(secret.values()));
            for (Map<String, Object> deployment : rendered.all("Deployment")) {
                for (Map<String, Object> container : list(map(map(map(deployment, "spec"), "template"), "spec"), "containers")) {
                    for (Map<String, Object> variable : list(container, "env")) {
                        if (variable.containsKey("value")) {
                            assertThat((String) variable.get("name")).isIn(PLAIN_VARIABLES);
                        }
                    }
                }
            }
        }
        for (RenderedChart rendered : List.of(defaults, variant, agents)) {
            // Every secret-bearing key of gatehouse.yaml is a reference, never the value itself.
            Map<String, Object> config = new Yaml().load(rendered.configYaml());
            List<Object> secrets = List.of(
                    map(map(config, "storage"), "postgres").get("password"),
                    map(config, "temporal").get("payloadKey"),
                    map(map(config, "ui"), "login").get("clientSecret"));
            assertThat(secrets).allSatisfy(value -> assertThat((String) value).matches(SECRET_REFERENCE));
        }
        for (RenderedChart rendered : List.of(agents, agentOnly)) {
            // And of agent.yaml: the payload key and every header sent to an upstream (its credential).
            Map<String, Object> config = new Yaml().load(rendered.agents().configYaml());
            List<Object> secrets = new ArrayList<>();
            secrets.add(map(config, "temporal").get("payloadKey"));
            list(config, "upstreams").forEach(upstream -> secrets.addAll(map(upstream, "headers").values()));
            assertThat(secrets).hasSizeGreaterThan(1).allSatisfy(value -> assertThat((String) value).containsPattern(SECRET_REFERENCE));
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
        for (RenderedPods pods : List.of(defaults.brokers(), variant.brokers(), agents.agents(), agentOnly.agents())) {
            Map<String, Object> pod = map(pods.podSpec(), "securityContext");
            assertThat(pod).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", IMAGE_USER);
            assertThat(map(pod, "seccompProfile")).containsEntry("type", "RuntimeDefault");
            Map<String, Object> container = map(pods.container(), "securityContext");
            assertThat(container).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", IMAGE_USER)
                    .containsEntry("readOnlyRootFilesystem", true).containsEntry("allowPrivilegeEscalation", false);
            assertThat(map(container, "capabilities").get("drop")).isEqualTo(List.of("ALL"));
            assertThat(map(container, "seccompProfile")).containsEntry("type", "RuntimeDefault");

            // The JVM and netty's native libraries need a writable /tmp: the one writable mount.
            Map<String, Object> tmp = pods.mounts().get("/tmp");
            assertThat(tmp).as("a volume mounted at /tmp in the " + pods.component()).isNotNull().containsKey("emptyDir");
            for (Map<String, Object> mount : list(pods.container(), "volumeMounts")) {
                boolean writable = "/tmp".equals(mount.get("mountPath"));
                assertThat(mount.get("readOnly")).as(mount.get("mountPath") + " read-only").isEqualTo(writable ? null : true);
            }
            assertThat(pods.podSpec().get("automountServiceAccountToken")).isEqualTo(false);
        }
        // The agents' pods exactly as locked down as the broker's.
        assertThat(map(agents.agents().podSpec(), "securityContext")).isEqualTo(map(agents.brokers().podSpec(), "securityContext"));
        assertThat(map(agents.agents().container(), "securityContext"))
                .isEqualTo(map(agents.brokers().container(), "securityContext"));
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

    @Test
    void rendersAgentsOnlyWhenEnabledAndAloneInAnAgentOnlyRelease() {
        for (RenderedChart rendered : List.of(defaults, variant)) {
            assertThat(rendered.documents()).noneMatch(manifest -> AGENT.equals(RenderedChart.component(manifest)));
        }
        assertThat(agents.kinds()).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "ConfigMap", "Service", "Deployment",
                "Deployment", "PodDisruptionBudget", "PodDisruptionBudget");
        assertThat(map(agents.agents().deployment(), "spec").get("replicas")).isEqualTo(2);
        // broker.enabled=false: nothing of the broker's, not even the ServiceMonitor asked for (it would select no Service).
        assertThat(agentOnly.kinds()).containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "Deployment", "PodDisruptionBudget");
        assertThat(agentOnly.documents()).filteredOn(manifest -> !"ServiceAccount".equals(manifest.get("kind")))
                .allSatisfy(manifest -> assertThat(RenderedChart.component(manifest)).isEqualTo(AGENT));
        assertThatThrownBy(() -> RenderedChart.render(CHART, Map.of("broker.enabled", false)))
                .hasMessageContaining("broker.enabled and agent.enabled are both false");
    }

    @Test
    void runsTheSameImageInAgentModeWithItsOwnMountedFile() {
        for (RenderedChart rendered : List.of(agents, agentOnly)) {
            RenderedPods pods = rendered.agents();
            Map<String, Object> agent = pods.container();
            assertThat(agent.get("image")).isEqualTo("gatehouse/broker:" + VERSION);
            assertThat(agent.get("args")).isEqualTo(List.of("agent", "--config", AGENT_CONFIG_DIR + "/agent.yaml"));
            // The file named in the args is the agents' ConfigMap's agent.yaml, mounted read-only.
            Path file = Path.of((String) ((List<?>) agent.get("args")).getLast());
            Map<String, Object> config = pods.mounts().get(file.getParent().toString());
            assertThat(config).as("a volume mounted at " + file.getParent()).isNotNull();
            assertThat(map(config, "configMap").get("name")).isEqualTo(map(pods.configMap(), "metadata").get("name"));
            assertThat(map(pods.configMap(), "data")).containsOnlyKeys(file.getFileName().toString());
            assertThat(list(agent, "volumeMounts")).filteredOn(mount -> file.getParent().toString().equals(mount.get("mountPath")))
                    .singleElement().satisfies(mount -> assertThat(mount.get("readOnly")).isEqualTo(true));
        }
        assertThat(map(agents.agents().configMap(), "metadata").get("name"))
                .isNotEqualTo(map(agents.brokers().configMap(), "metadata").get("name"));
    }

    @Test
    void loadsTheAgentsFileInAgentModeWithTheEnvironmentAndFilesTheirPodGets() {
        Map<String, String> secrets = OPERATOR_SECRETS.get(AGENT_SECRET);
        GatehouseConfig plain = agentOnly.agents().load(new AgentModeCheck(), AGENT_CONFIG_DIR, OPERATOR_SECRETS, scratch.resolve("plain"));
        assertThat(plain.agent().taskQueue()).isEqualTo(AGENT_QUEUE);
        assertThat(plain.temporal().payloadKey()).isEqualTo(secrets.get("payload-key"));
        assertThat(plain.temporal().tls()).isNull();
        assertThat(plain.upstreams()).singleElement().satisfies(upstream -> {
            assertThat(upstream.url()).isNotNull();
            assertThat(upstream.headers()).containsEntry("Authorization", "Bearer " + secrets.get("crm-mcp-token"));
        });

        GatehouseConfig mtls = agents.agents().load(new AgentModeCheck(), AGENT_CONFIG_DIR, OPERATOR_SECRETS, scratch.resolve("mtls"));
        assertThat(mtls.temporal().tls().serverCa()).isEqualTo(OPERATOR_SECRETS.get(AGENT_TLS_SECRET).get("ca.crt"));
        assertThat(mtls.temporal().tls().clientCert()).isEqualTo(OPERATOR_SECRETS.get(AGENT_TLS_SECRET).get("tls.crt"));
        assertThat(mtls.temporal().tls().clientKey()).isEqualTo(OPERATOR_SECRETS.get(AGENT_TLS_SECRET).get("tls.key"));
        assertThat(agents.agents().mounts().values()).filteredOn(volume -> volume.containsKey("secret")).singleElement()
                .satisfies(volume -> assertThat(map(volume, "secret").get("secretName")).isEqualTo(AGENT_TLS_SECRET));
    }

    @Test
    void givesTheAgentsEveryVariableTheirFileReadsFromTheirOwnSecret() {
        for (RenderedChart rendered : List.of(agents, agentOnly)) {
            RenderedPods pods = rendered.agents();
            assertThat(fromSecret(pods.container(), AGENT_SECRET)).isEqualTo(envReferences(pods.configYaml()))
                    .contains("GATEHOUSE_PAYLOAD_KEY", "CRM_MCP_TOKEN");
            assertThat(pods.environment(OPERATOR_SECRETS)).containsEntry("GATEHOUSE_LOG_FORMAT", "json");
        }
    }

    @Test
    void pollsTheQueueTheBrokersAgentUpstreamNamesOnTheBrokersTemporal() {
        GatehouseConfig broker = agents.loadConfig(CONFIG_DIR, OPERATOR_SECRETS, scratch.resolve("broker"));
        GatehouseConfig agent = agents.agents().load(new AgentModeCheck(), AGENT_CONFIG_DIR, OPERATOR_SECRETS, scratch.resolve("agent"));
        UpstreamSettings routed = broker.upstreams().stream().filter(UpstreamSettings::viaAgent).findFirst().orElseThrow();
        assertThat(routed.agent().taskQueue()).isEqualTo(agent.agent().taskQueue());
        // The agent looks the broker's message up by the upstream's name.
        assertThat(agent.upstreams()).extracting(UpstreamSettings::name).contains(routed.name());
        // Not the brokers' own queue, whose workflow tasks an agent cannot run.
        assertThat(agent.agent().taskQueue()).isNotEqualTo(broker.temporal().taskQueue());
        assertThat(agent.temporal().target()).isEqualTo(broker.temporal().target());
        assertThat(agent.temporal().namespace()).isEqualTo(broker.temporal().namespace());
        assertThat(agent.temporal().payloadKey()).isEqualTo(broker.temporal().payloadKey());
    }

    @Test
    void opensNoPortAndHasNoProbesAndNoServiceSelectsTheAgents() {
        for (RenderedChart rendered : List.of(agents, agentOnly)) {
            Map<String, Object> agent = rendered.agents().container();
            // The agent serves no HTTP: Kubernetes restarts it when its process exits.
            assertThat(agent).doesNotContainKeys("ports", "startupProbe", "livenessProbe", "readinessProbe");
            Map<String, Object> podLabels = rendered.agents().podLabels();
            assertThat(podLabels).containsEntry(RenderedChart.COMPONENT, AGENT);
            assertThat(rendered.all("Service")).noneSatisfy(service ->
                    assertThat(selects(map(map(service, "spec"), "selector"), podLabels)).isTrue());
        }
        assertThat(selects(map(map(agents.one("Service"), "spec"), "selector"), agents.brokers().podLabels())).isTrue();
    }

    @Test
    void keepsTheAgentsPodsApartFromTheBrokersInEverySelector() {
        for (RenderedChart rendered : List.of(agents, agentOnly)) {
            Map<String, Object> selector = matchLabels(rendered.agents().deployment());
            assertThat(selector).containsEntry(RenderedChart.COMPONENT, AGENT);
            assertThat(rendered.agents().podLabels()).containsAllEntriesOf(selector);
            Map<String, Object> budget = rendered.one("PodDisruptionBudget", AGENT);
            assertThat(matchLabels(budget)).isEqualTo(selector);
            assertThat(map(budget, "spec")).containsEntry("maxUnavailable", 1);
            assertThat(list(rendered.agents().podSpec(), "topologySpreadConstraints")).singleElement()
                    .satisfies(spread -> assertThat(map(map(spread, "labelSelector"), "matchLabels")).isEqualTo(selector));
        }
        // Neither Deployment adopts, nor either budget counts, the other component's pods.
        Map<String, Object> agentPods = agents.agents().podLabels();
        Map<String, Object> brokerPods = agents.brokers().podLabels();
        assertThat(selects(matchLabels(agents.agents().deployment()), brokerPods)).isFalse();
        assertThat(selects(matchLabels(agents.one("PodDisruptionBudget", AGENT)), brokerPods)).isFalse();
        assertThat(selects(matchLabels(agents.brokers().deployment()), agentPods)).isFalse();
        assertThat(selects(matchLabels(agents.one("PodDisruptionBudget", BROKER)), agentPods)).isFalse();
        assertThat(selects(matchLabels(agents.one("PodDisruptionBudget", BROKER)), brokerPods)).isTrue();
    }

    @Test
    void rollsTheAgentsWhenTheirFileChangesAndLeavesTheBrokersBe() {
        RenderedChart otherQueue = RenderedChart.render(CHART, Map.of("agent.enabled", true, "agent.config.agent.taskQueue", "crm-agents-2",
                "config.upstreams[0].name", "crm", "config.upstreams[0].agent.taskQueue", AGENT_QUEUE,
                "agent.temporalTls.enabled", true, "agent.temporalTls.secretName", AGENT_TLS_SECRET));
        assertThat(otherQueue.agents().configYaml()).isNotEqualTo(agents.agents().configYaml());
        assertThat(checksum(otherQueue.agents())).isNotEqualTo(checksum(agents.agents()));
        assertThat(checksum(otherQueue.brokers())).isEqualTo(checksum(agents.brokers()));
        assertThat(checksum(agentOnly.agents())).as("temporal.tls added").isNotEqualTo(checksum(agents.agents()));
    }

    @Test
    void leavesTheAgentsRoomToFinishTheCallsTheyAreRunning() {
        // On SIGTERM an agent stops polling and lets running calls finish, up to its longest upstream timeout plus 5 s.
        GatehouseConfig agent = agents.agents().load(new AgentModeCheck(), AGENT_CONFIG_DIR, OPERATOR_SECRETS, scratch.resolve("grace"));
        long longest = agent.upstreams().stream().mapToLong(u -> u.timeout().toSeconds()).max().orElseThrow();
        int grace = (int) agents.agents().podSpec().get("terminationGracePeriodSeconds");
        assertThat(grace).isGreaterThanOrEqualTo((int) longest + AGENT_SHUTDOWN_MARGIN_SECONDS);
    }

    private static String checksum(RenderedChart rendered) {
        return checksum(rendered.brokers());
    }

    private static String checksum(RenderedPods pods) {
        Object checksum = map(map(pods.podTemplate(), "metadata"), "annotations").get("checksum/config");
        assertThat(checksum).asString().matches("[0-9a-f]{64}");
        return (String) checksum;
    }

    private static Map<String, Object> httpGet(Map<String, Object> container, String probe) {
        return map(map(container, probe), "httpGet");
    }

    /** The variables {@code container} reads from the Secret {@code secret}, each checked to come from it. */
    private static Set<String> fromSecret(Map<String, Object> container, String secret) {
        Set<String> fromSecret = new TreeSet<>();
        for (Map<String, Object> variable : list(container, "env")) {
            if (variable.get("valueFrom") instanceof Map<?, ?> from && from.get("secretKeyRef") instanceof Map<?, ?> ref) {
                assertThat(ref.get("name")).as(variable.get("name") + "'s Secret").isEqualTo(secret);
                fromSecret.add((String) variable.get("name"));
            }
        }
        return fromSecret;
    }

    private static Set<String> envReferences(String configYaml) {
        Set<String> referenced = new TreeSet<>();
        Matcher m = ENV_REFERENCE.matcher(configYaml);
        while (m.find()) {
            referenced.add(m.group(1));
        }
        return referenced;
    }

    private static Map<String, Object> matchLabels(Map<String, Object> manifest) {
        return map(map(map(manifest, "spec"), "selector"), "matchLabels");
    }

    /** Whether a label selector's {@code matchLabels} select a pod with {@code labels}. */
    private static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
        return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    private static String pem(String kind, String whose) {
        return "-----BEGIN " + kind + "-----\nMIIB" + whose + "\n-----END " + kind + "-----";
    }
}
