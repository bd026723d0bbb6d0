package dev.gatehouse.broker.deploy;

import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.ServeModeCheck;
import dev.gatehouse.broker.config.UpstreamSettings;
import dev.gatehouse.broker.policy.PolicyConfigCheck;
import dev.gatehouse.broker.recording.MaskingConfig;
import dev.gatehouse.workflows.gated.GatedCallSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docker-compose.yml} checked against what the broker expects, since no Docker engine runs here to
 * try it: images pinned (the broker's is the one {@code -Pimage} builds), the mounted configuration loads
 * in {@code serve} mode with exactly the environment compose passes, and every address, port, database,
 * namespace and search attribute the configuration names is what the service it names offers; every
 * dependency waits for what it needs (healthy, or a job completed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComposeFileTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** Compose's {@code ${NAME}}, {@code ${NAME:-default}} and {@code ${NAME:?message}}. */
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Z0-9_]+)(?:(:-|:\\?)([^}]*))?}");
    private static final Pattern CONFIG_REFERENCE = Pattern.compile("\\$\\{env:([A-Z0-9_]+)}");
    /** What an operator would export for the variables compose requires (a real key shape, a real URL). */
    private static final Map<String, String> OPERATOR_ENVIRONMENT = Map.of(
            "GATEHOUSE_PAYLOAD_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "GATEHOUSE_OIDC_ISSUER", "https://idp.example.com",
            "GATEHOUSE_UI_CLIENT_ID", "gatehouse-ui",
            "GATEHOUSE_APPROVER_EMAIL", "dba@example.com");
    /** mailpit's SMTP port; the file publishes only its web port. */
    private static final int MAILPIT_SMTP_PORT = 1025;

    private Map<String, Map<String, Object>> services;
    private Map<String, String> brokerEnvironment;
    private Path brokerConfigFile;
    private GatehouseConfig config;

    @BeforeAll
    @SuppressWarnings("unchecked")
    void load() throws IOException {
        // SnakeYAML resolves the file's anchors and merge keys (<<) as compose does.
        Map<String, Object> compose = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
        services = (Map<String, Map<String, Object>>) compose.get("services");
        brokerEnvironment = environment("broker");
        brokerConfigFile = hostPathMountedAt("broker", configPathInCommand("broker"));
        config = new ConfigLoader(brokerEnvironment::get).withCheck(new PolicyConfigCheck()).withCheck(new MaskingConfig())
                .withCheck(new ServeModeCheck()).load(brokerConfigFile);
    }

    @Test
    void namesTheServicesOfTheStack() {
        assertThat(services.keySet()).containsExactlyInAnyOrder("postgres", "temporal-schema", "temporal", "temporal-namespace",
                "temporal-ui", "mailpit", "demo-upstream", "broker");
    }

    @Test
    void pinsEveryImageAndRunsTheBrokerImageThisBuildMakes() {
        services.forEach((name, service) -> {
            String image = (String) service.get("image");
            assertThat(image).as(name).matches("[a-z0-9./-]+:[A-Za-z0-9._-]*[0-9][A-Za-z0-9._-]*").doesNotEndWith(":latest");
        });
        String brokerImage = "gatehouse/broker:" + System.getProperty("gatehouse.version", "0.1.0-SNAPSHOT");
        assertThat(services.get("broker").get("image")).isEqualTo(brokerImage);
        assertThat(services.get("demo-upstream").get("image")).isEqualTo(brokerImage);
        // The Temporal images come from one server release.
        assertThat(tag("temporal-schema")).isEqualTo(tag("temporal-namespace")).startsWith(tag("temporal") + "-");
    }

    @Test
    void passesTheBrokerExactlyTheEnvironmentItsConfigurationReads() throws IOException {
        Set<String> referenced = new TreeSet<>();
        Matcher m = CONFIG_REFERENCE.matcher(Files.readString(brokerConfigFile));
        while (m.find()) {
            referenced.add(m.group(1));
        }
        Set<String> given = new TreeSet<>(brokerEnvironment.keySet());
        given.remove("GATEHOUSE_LOG_FORMAT");  // read by the broker itself, not by the configuration
        assertThat(given).isEqualTo(referenced);
        assertThat(brokerEnvironment.get("GATEHOUSE_LOG_FORMAT")).isIn("text", "json");
    }

    @Test
    void pointsTheBrokerAtTheStacksPostgresqlWithItsDatabaseAndUser() {
        URI database = URI.create(config.storage().postgres().url().substring("jdbc:".length()));
        Map<String, String> postgres = environment("postgres");
        assertThat(services).containsKey(database.getHost());
        assertThat(database.getHost()).isEqualTo("postgres");
        assertThat(database.getPort()).isEqualTo(5432);
        assertThat(database.getPath()).isEqualTo("/" + postgres.get("POSTGRES_DB"));
        assertThat(config.storage().postgres().user()).isEqualTo(postgres.get("POSTGRES_USER"));
        assertThat(config.storage().postgres().password()).isEqualTo(postgres.get("POSTGRES_PASSWORD"));
        assertThat(services.get("postgres")).containsKey("healthcheck");
        assertThat(dependency("broker", "postgres")).isEqualTo("service_healthy");
    }

    @Test
    void setsUpTemporalsDatabasesBeforeTheServerAndTheNamespaceBeforeTheBroker() {
        Map<String, String> schema = environment("temporal-schema");
        Map<String, String> server = environment("temporal");
        for (String key : List.of("DB", "DB_PORT", "POSTGRES_SEEDS", "POSTGRES_USER", "POSTGRES_PWD", "DBNAME", "VISIBILITY_DBNAME")) {
            assertThat(server.get(key)).as(key).isNotNull().isEqualTo(schema.get(key));
        }
        assertThat(server.get("POSTGRES_SEEDS")).isEqualTo("postgres");
        assertThat(server.get("POSTGRES_PWD")).isEqualTo(environment("postgres").get("POSTGRES_PASSWORD"));
        assertThat(dependency("temporal-schema", "postgres")).isEqualTo("service_healthy");
        assertThat(dependency("temporal", "temporal-schema")).isEqualTo("service_completed_successfully");
        assertThat(dependency("temporal-namespace", "temporal")).isNotNull();
        assertThat(dependency("broker", "temporal-namespace")).isEqualTo("service_completed_successfully");
        for (String job : List.of("temporal-schema", "temporal-namespace")) {
            assertThat(services.get(job).get("restart")).as(job).isEqualTo("no");
            assertThat(hostPathMountedAt(job, ((List<?>) services.get(job).get("entrypoint")).getLast().toString())).isRegularFile();
        }
    }

    @Test
    void givesTheBrokerTheNamespaceTheJobCreatesWithEverySearchAttributeItsWorkflowsSet() throws IOException {
        String target = config.temporal().target();
        assertThat(target).isEqualTo("temporal:" + containerPort("temporal"));
        assertThat(environment("temporal-namespace").get("TEMPORAL_ADDRESS")).isEqualTo(target);
        assertThat(environment("temporal-ui").get("TEMPORAL_ADDRESS")).isEqualTo(target);
        assertThat(environment("temporal-namespace").get("GATEHOUSE_NAMESPACE")).isEqualTo(config.temporal().namespace());
        assertThat(environment("temporal-ui").get("TEMPORAL_DEFAULT_NAMESPACE")).isEqualTo(config.temporal().namespace());

        String job = Files.readString(ROOT.resolve("deploy/compose/temporal-namespace.sh"));
        for (var attribute : GatedCallSearchAttributes.ALL) {
            String type = attribute.getValueType() == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST ? "KeywordList" : "Keyword";
            assertThat(job).contains(attribute.getName() + ":" + type);
        }
    }

    @Test
    void reachesTheDemoUpstreamAndTheMailCatcherWhereTheyListen() {
        UpstreamSettings demo = config.upstream("demo").orElseThrow();
        URI url = demo.url().uri();
        assertThat(url.getHost()).isEqualTo("demo-upstream");
        List<String> command = strings(services.get("demo-upstream").get("command"));
        assertThat(command).startsWith("demo-upstream");
        assertThat(option(command, "--host")).isEqualTo("0.0.0.0");
        assertThat(option(command, "--port")).isEqualTo(String.valueOf(url.getPort()));
        assertThat(dependency("broker", "demo-upstream")).isNotNull();

        URI smtp = URI.create(config.channels().email().smtp());
        assertThat(smtp.getHost()).isEqualTo("mailpit");
        assertThat(smtp.getPort()).isEqualTo(MAILPIT_SMTP_PORT);
        assertThat(dependency("broker", "mailpit")).isNotNull();
    }

    @Test
    void publishesTheBrokerAndTemporalUiWhereTheConfigurationSaysTheyAre() {
        assertThat(containerPort("broker")).isEqualTo(config.server().port());
        assertThat(config.server().publicUrl().uri().getPort()).isEqualTo(hostPort("broker"));
        assertThat(config.ui().temporalUiUrl().uri().getPort()).isEqualTo(hostPort("temporal-ui"));
        assertThat(config.ui().login().issuer().text()).isEqualTo(OPERATOR_ENVIRONMENT.get("GATEHOUSE_OIDC_ISSUER"));
    }

    // --- reading the file as compose does ---

    /** A service's environment after compose's interpolation, with the operator's variables set. */
    @SuppressWarnings("unchecked")
    private Map<String, String> environment(String service) {
        Map<String, Object> raw = (Map<String, Object>) services.get(service).getOrDefault("environment", Map.of());
        Map<String, String> resolved = new HashMap<>();
        raw.forEach((key, value) -> resolved.put(key, interpolate(String.valueOf(value))));
        return resolved;
    }

    private static String interpolate(String value) {
        Matcher m = INTERPOLATION.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String given = OPERATOR_ENVIRONMENT.get(name);
            String replacement = given != null ? given : switch (m.group(2) == null ? "" : m.group(2)) {
                case ":-" -> m.group(3);
                case ":?" -> throw new AssertionError("compose requires " + name + " (" + m.group(3)
                        + "), which OPERATOR_ENVIRONMENT does not set");
                default -> "";
            };
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String configPathInCommand(String service) {
        List<String> command = strings(services.get(service).get("command"));
        assertThat(command).startsWith("serve");
        return option(command, "--config");
    }

    /** The file in this repository that {@code service} mounts at {@code containerPath}. */
    private Path hostPathMountedAt(String service, String containerPath) {
        for (Object volume : (List<?>) services.get(service).get("volumes")) {
            String[] parts = volume.toString().split(":");
            if (parts[1].equals(containerPath)) {
                assertThat(parts[0]).as("a file of this repository").startsWith("./");
                Path file = ROOT.resolve(parts[0].substring(2));
                assertThat(file).isRegularFile();
                return file;
            }
        }
        throw new AssertionError(service + " mounts nothing at " + containerPath);
    }

    @SuppressWarnings("unchecked")
    private String dependency(String service, String on) {
        Object dependsOn = services.get(service).get("depends_on");
        if (dependsOn instanceof Map<?, ?> conditions && conditions.get(on) instanceof Map<?, ?> condition) {
            return (String) condition.get("condition");
        }
        return dependsOn instanceof List<?> list && list.contains(on) ? "service_started" : null;
    }

    private String tag(String service) {
        String image = (String) services.get(service).get("image");
        return image.substring(image.lastIndexOf(':') + 1);
    }

    private String[] onlyPort(String service) {
        List<?> ports = (List<?>) services.get(service).get("ports");
        assertThat(ports).as(service + " publishes one port").hasSize(1);
        return ports.getFirst().toString().split(":");
    }

    private int hostPort(String service) {
        return Integer.parseInt(onlyPort(service)[0]);
    }

    private int containerPort(String service) {
        return Integer.parseInt(onlyPort(service)[1]);
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    private static String option(List<String> command, String name) {
        int at = command.indexOf(name);
        assertThat(at).as(name + " in " + command).isNotNegative().isLessThan(command.size() - 1);
        return command.get(at + 1).toString();
    }
}
