package dev.gatehouse.broker.temporal;

import dev.gatehouse.broker.config.TemporalTls;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.serviceclient.SimpleSslContextBuilder;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/** The TLS context of the broker's gRPC channel to Temporal, from {@link TemporalTls}'s PEM text. */
final class TemporalTlsContext {

    private TemporalTlsContext() {
    }

    /** @param tls null for TLS with the JDK's trusted CAs and no client certificate (an API key authenticates) */
    static SslContext of(TemporalTls tls) {
        try {
            SimpleSslContextBuilder builder = tls != null && tls.clientCert() != null
                    ? SimpleSslContextBuilder.forPKCS8(stream(tls.clientCert()), stream(tls.clientKey()))
                    : SimpleSslContextBuilder.noKeyOrCertChain();
            if (tls != null && tls.serverCa() != null) {
                builder.setTrustManager(trusting(tls.serverCa()).getTrustManagers()[0]);
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("temporal.tls: cannot use the client certificate and key (the key must be"
                    + " PKCS#8 PEM, BEGIN PRIVATE KEY): " + e.getMessage(), e);
        }
    }

    private static TrustManagerFactory trusting(String pem) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(stream(pem))) {
                store.setCertificateEntry("temporal-ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new IllegalStateException("temporal.tls.serverCa holds no certificate");
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("temporal.tls.serverCa is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8));
    }
}
