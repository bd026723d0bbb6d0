package dev.gatehouse.broker.config;

/**
 * TLS to the Temporal frontend, as a self-hosted cluster with mTLS or Temporal Cloud asks. Certificates and
 * the key are PEM text, usually read from files: {@code clientCert: "${file:/etc/gatehouse/temporal/client.pem}"}.
 *
 * @param serverCa   the CA the frontend's certificate must chain to; absent: the JDK's trusted CAs
 * @param clientCert the broker's certificate chain, for mTLS; given with {@code clientKey} or not at all
 * @param clientKey  its private key, PKCS#8 ({@code BEGIN PRIVATE KEY})
 * @param serverName the name to expect in the frontend's certificate when it differs from the target's host
 */
public record TemporalTls(String serverCa, String clientCert, String clientKey, String serverName) {

    public TemporalTls {
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException("a client identity needs both clientCert and clientKey (for mTLS), or neither");
        }
        requirePem(serverCa, "serverCa", "CERTIFICATE");
        requirePem(clientCert, "clientCert", "CERTIFICATE");
        requirePem(clientKey, "clientKey", "PRIVATE KEY");
    }

    private static void requirePem(String value, String name, String kind) {
        if (value != null && !value.contains("-----BEGIN " + kind + "-----")) {
            // Never the value itself: it may be a key.
            throw new IllegalArgumentException(name + " must be PEM text with a -----BEGIN " + kind + "----- block"
                    + " (e.g. \"${file:/path/to/file.pem}\")");
        }
    }

    @Override
    public String toString() {
        return "tls[" + (serverCa != null ? "serverCa, " : "") + (clientCert != null ? "client certificate" : "no client certificate")
                + (serverName != null ? ", serverName=" + serverName : "") + "]";
    }
}
