package dev.gatehouse.broker.temporal;

import dev.gatehouse.broker.config.TemporalSettings;
import dev.gatehouse.broker.config.TemporalTls;
import io.temporal.testserver.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The broker reaches a Temporal frontend that demands mutual TLS, as a self-hosted cluster with mTLS does: a TLS
 * terminator on loopback (JDK TLS, ALPN h2, client certificates required) in front of Temporal's test server.
 * Certificates are made by the JDK's keytool for this run. Without a client certificate, or trusting the wrong
 * CA, the frontend does not answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TemporalTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();
    /** The frontend's certificate names only this host, so the broker must be told to expect it. */
    private static final String SERVER_NAME = "temporal.test";

    private TestServer.PortBoundTestServer temporal;
    private ServerSocket terminator;
    private String serverCertPem;
    private String clientCertPem;
    private String clientKeyPem;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path serverStore = keyPair(dir, "server", "CN=" + SERVER_NAME, "dns:" + SERVER_NAME);
        Path clientStore = keyPair(dir, "client", "CN=gatehouse-broker", "dns:gatehouse-broker");
        KeyStore server = load(serverStore);
        KeyStore client = load(clientStore);
        serverCertPem = pem("CERTIFICATE", server.getCertificate("server").getEncoded());
        clientCertPem = pem("CERTIFICATE", client.getCertificate("client").getEncoded());
        clientKeyPem = pem("PRIVATE KEY", client.getKey("client", PASSWORD).getEncoded());

        int temporalPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            temporalPort = socket.getLocalPort();
        }
        temporal = TestServer.createPortBoundServer(temporalPort);
        terminator = tlsTerminator(server, client.getCertificate("client"), temporalPort);
    }

    @AfterAll
    void stop() throws IOException {
        terminator.close();
        temporal.close();
    }

    @Test
    void answersOverMutualTlsWithTheClientCertificate() {
        try (TemporalConnection connection = TemporalConnection.to(settings(new TemporalTls(serverCertPem, clientCertPem,
                clientKeyPem, SERVER_NAME)))) {
            assertThat(connection.isServing()).isTrue();
            // A real call through the channel, not only the health check.
            assertThat(SearchAttributeRegistration.registerAll(connection, "default")).isNotNull();
        }
    }

    @Test
    void getsNoAnswerWithoutAClientCertificateOrTrustingAnotherCa() {
        try (TemporalConnection noClientCert = TemporalConnection.to(settings(new TemporalTls(serverCertPem, null, null, SERVER_NAME)));
             TemporalConnection wrongCa = TemporalConnection.to(settings(new TemporalTls(clientCertPem, clientCertPem, clientKeyPem,
                     SERVER_NAME)));
             TemporalConnection plain = TemporalConnection.to("127.0.0.1:" + terminator.getLocalPort())) {
            assertThat(noClientCert.isServing()).isFalse();
            assertThat(wrongCa.isServing()).isFalse();
            assertThat(plain.isServing()).isFalse();
        }
    }

    @Test
    void refusesHalfAClientIdentityAndTextThatIsNotPemWithoutQuotingIt() {
        assertThatThrownBy(() -> new TemporalTls(null, clientCertPem, null, null))
                .hasMessage("a client identity needs both clientCert and clientKey (for mTLS), or neither");
        assertThatThrownBy(() -> new TemporalTls(null, clientCertPem, "s3cret-not-a-key", null))
                .hasMessageStartingWith("clientKey must be PEM text with a -----BEGIN PRIVATE KEY----- block")
                .hasMessageNotContaining("s3cret");
        assertThat(new TemporalSettings("t:7233", null, null, null, null, null, "api-s3cret").toString())
                .contains("apiKey=***").doesNotContain("api-s3cret");
    }

    private TemporalSettings settings(TemporalTls tls) {
        return new TemporalSettings("127.0.0.1:" + terminator.getLocalPort(), "default", null, null, null, tls, null);
    }

    /** TLS in front of the plain test server: client certificates required, the one given trusted, h2 offered. */
    private static ServerSocket tlsTerminator(KeyStore serverKeys, Certificate trustedClient, int backendPort) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(serverKeys, PASSWORD);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("client", trustedClient);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setNeedClientAuth(true);
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        Thread.ofVirtual().name("tls-terminator").start(() -> {
            while (!socket.isClosed()) {
                try {
                    SSLSocket accepted = (SSLSocket) socket.accept();
                    Thread.ofVirtual().start(() -> relay(accepted, backendPort));
                } catch (IOException e) {
                    return;  // closed
                }
            }
        });
        return socket;
    }

    private static void relay(SSLSocket client, int backendPort) {
        try (client; Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort)) {
            client.startHandshake();
            Thread back = Thread.ofVirtual().start(() -> copy(backend, client));
            copy(client, backend);
            back.join(TimeUnit.SECONDS.toMillis(5));
        } catch (IOException e) {
            // A refused handshake (no or an unknown client certificate) ends here: the client sees the alert.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void copy(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // One side closed: the relay ends.
        }
    }

    private static Path keyPair(Path dir, String alias, String dname, String san) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", dname, "-ext", "SAN=" + san, "-validity", "2", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", new String(PASSWORD)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
        return store;
    }

    private static KeyStore load(Path store) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD);
        }
        return keyStore;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
