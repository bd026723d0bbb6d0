package dev.gatehouse.broker.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.broker.dev.EmbeddedDatabase;
import dev.gatehouse.broker.dev.FreePort;
import dev.gatehouse.broker.testing.ChildJvm;
import dev.gatehouse.broker.testing.CountingUpstream;
import dev.gatehouse.broker.testing.RawMcp;
import dev.gatehouse.broker.testing.TemporalServerProcess;
import dev.gatehouse.broker.testing.TestIdp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The broker's container image, as {@code -Pimage} builds it with Jib ({@code target/jib-image.tar}), checked
 * without a Docker engine: its settings are read from the archive, and its file system is unpacked and the
 * broker run from it by {@code chroot} as the image's own non-root user, in {@code serve} mode against real
 * PostgreSQL, Temporal, an OIDC issuer and an upstream on loopback. What runs is the image's Java runtime,
 * libraries, classpath and entrypoint, not this build's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ContainerImageIT {

    private static final String PAYLOAD_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private final Path workDir = Path.of("target", "container-image-it").toAbsolutePath();
    private ImageTarball image;

    @BeforeAll
    void readImage() {
        image = ImageTarball.read(Path.of(System.getProperty("gatehouse.image.tar", "target/jib-image.tar")).toAbsolutePath(),
                workDir);
    }

    @Test
    void isTaggedAndConfiguredToServeAsANonRootUser() {
        assertThat(image.tags()).containsExactly(System.getProperty("gatehouse.image.name", "gatehouse/broker:0.1.0-SNAPSHOT"));
        JsonNode config = image.config();
        assertThat(strings(config.path("Entrypoint"))).startsWith("/opt/java/bin/java")
                .contains("-cp", "@/app/jib-classpath-file").endsWith("dev.gatehouse.broker.Gatehouse");
        assertThat(strings(config.path("Cmd"))).containsExactly("serve", "--config", "/etc/gatehouse/gatehouse.yaml");
        assertThat(config.path("User").asText()).isEqualTo("65532:65532");
        assertThat(config.path("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(strings(config.path("Env"))).contains("JAVA_HOME=/opt/java");
    }

    @Test
    void holdsARuntimeAndTheBrokerButNoShell() throws IOException {
        Path root = image.unpack(workDir.resolve("rootfs-contents"));
        assertThat(Files.getPosixFilePermissions(root.resolve("opt/java/bin/java"))).contains(PosixFilePermission.OTHERS_EXECUTE);
        assertThat(root.resolve("app/jib-classpath-file")).isRegularFile();
        assertThat(root.resolve("lib64/ld-linux-x86-64.so.2")).isRegularFile();
        assertThat(Files.getPosixFilePermissions(root.resolve("tmp"))).contains(PosixFilePermission.OTHERS_WRITE);
        // Nothing for an intruder to run but the broker itself.
        assertThat(root.resolve("bin/sh")).doesNotExist();
        assertThat(root.resolve("usr/bin")).doesNotExist();
        assertThat(Files.readString(root.resolve("etc/passwd"))).contains("nonroot:x:65532:65532:");
    }

    @Test
    void servesCallsFromItsOwnFileSystem() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "chroot needs root (CI runs as root); the image's settings and contents are still checked by the other tests");
        Path root = image.unpack(workDir.resolve("rootfs"));
        Files.createDirectories(workDir);
        String classpath = ChildJvm.snapshotClasspath(workDir.resolve("classpath"));
        try (EmbeddedDatabase database = EmbeddedDatabase.start();
             TemporalServerProcess temporal = TemporalServerProcess.start(classpath, workDir.resolve("temporal.log"), Duration.ofSeconds(60));
             TestIdp idp = TestIdp.start();
             CountingUpstream upstream = CountingUpstream.start()) {
            // The image also runs the demo upstream (docker-compose.yml's demo-upstream service): the same
            // entrypoint, another command.
            int demoPort = FreePort.pick();
            Files.copy(Path.of("/etc/hosts"), root.resolve("etc/hosts"));
            ChildJvm demo = ChildJvm.startCommand("image-demo-upstream",
                    containerCommand(root, List.of("demo-upstream", "--host", "127.0.0.1", "--port", String.valueOf(demoPort))),
                    containerEnvironment(), workDir.resolve("demo-upstream.log"), line -> line.contains("Demo upstream is ready on "));
            demo.awaitUp(Duration.ofSeconds(60));
            int port = FreePort.pick();
            URI base = URI.create("http://127.0.0.1:" + port);
            // Where compose and the Helm chart mount the configuration.
            Path config = root.resolve("etc/gatehouse/gatehouse.yaml");
            Files.createDirectories(config.getParent());
            Files.writeString(config, """
                    server: { port: %d, publicUrl: %s }
                    identity:
                      issuers:
                        - issuer: %s
                    upstreams:
                      - name: crm
                        url: %s
                      - name: demo
                        url: http://127.0.0.1:%d/mcp
                    policies:
                      - name: agents read
                        groups: [agents]
                        action: allow
                    storage:
                      postgres: { url: "%s", user: postgres, password: "" }
                    temporal: { target: %s, namespace: default, payloadKey: "%s" }
                    """.formatted(port, base, idp.issuer(), upstream.url(), demoPort, database.jdbcUrl(), temporal.target(), PAYLOAD_KEY));
            try (demo; ChildJvm broker = ChildJvm.startCommand("image-broker",
                    containerCommand(root, strings(image.config().path("Cmd"))), containerEnvironment(),
                    workDir.resolve("broker.log"), line -> line.contains("Gatehouse is ready on "))) {
                broker.awaitUp(Duration.ofSeconds(120));
                HttpClient http = HttpClient.newHttpClient();
                assertThat(get(http, base.resolve("/healthz")).statusCode()).isEqualTo(200);
                HttpResponse<String> ready = get(http, base.resolve("/readyz"));
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);

                String token = idp.sign(idp.claims("image-agent", base + "/mcp", "agents").build());
                RawMcp crm = new RawMcp(base.resolve("/mcp/crm")).bearer(token);
                RawMcp session = crm.with("Mcp-Session-Id", crm.initialize()).with("MCP-Protocol-Version", "2025-11-25");
                HttpResponse<String> called = session.post("""
                        {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_record","arguments":{"id":"7"}}}""");
                assertThat(RawMcp.message(called).path("result").path("content").get(0).path("text").asText()).isEqualTo("record 7");
                assertThat(upstream.runs("get_record", "7")).isEqualTo(1);
                RawMcp demoCrm = new RawMcp(base.resolve("/mcp/demo")).bearer(token);
                HttpResponse<String> demoTools = demoCrm.with("Mcp-Session-Id", demoCrm.initialize())
                        .with("MCP-Protocol-Version", "2025-11-25").post("""
                                {"jsonrpc":"2.0","id":3,"method":"tools/list"}""");
                assertThat(RawMcp.message(demoTools).path("result").path("tools").findValuesAsText("name")).contains("delete_customer");

                broker.stop(Duration.ofSeconds(30));
                assertThat(Files.readString(broker.log())).contains("Gatehouse stopped.");
            }
        }
    }

    /**
     * The image's entrypoint with {@code command}, run from its file system as its user. A container runtime mounts
     * {@code /proc}, through which the loader resolves the launcher's {@code $ORIGIN} library path; a bare
     * chroot has none, so the loader is told the runtime's library directory instead.
     */
    private List<String> containerCommand(Path root, List<String> arguments) {
        JsonNode config = image.config();
        List<String> command = new ArrayList<>(List.of("/usr/sbin/chroot", "--userspec=" + config.path("User").asText(), root.toString()));
        command.addAll(strings(config.path("Entrypoint")));
        command.addAll(arguments);
        return command;
    }

    private Map<String, String> containerEnvironment() {
        Map<String, String> environment = new java.util.HashMap<>();
        for (String variable : strings(image.config().path("Env"))) {
            environment.put(variable.substring(0, variable.indexOf('=')), variable.substring(variable.indexOf('=') + 1));
        }
        environment.put("LD_LIBRARY_PATH", "/opt/java/lib");
        return environment;
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
