package dev.gatehouse.broker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code gatehouse serve} configuration the process tests run: one upstream {@code crm} whose
 * {@code delete_*} tools need one DBA's approval (within 30 minutes) and {@code purge_*} tools within
 * 3 seconds, {@code drop_*} tools are denied, everything else allowed; auditors are group {@code security}. Replicas of one deployment
 * differ only in {@code port}: the same public URL (so the same token audience), storage, Temporal and
 * payload key.
 *
 * @param publicUrl      the deployment's public URL, without a trailing slash
 * @param temporalTarget {@code host:port} of the Temporal frontend, namespace {@code default}
 * @param payloadKey     the AES key for Temporal payloads (base64), the same for every replica and restart
 */
public record ServeConfig(URI publicUrl, String issuer, URI upstream, String jdbcUrl, String temporalTarget, String payloadKey) {

    /** Writes the configuration of the replica listening on {@code port} to {@code file}, and returns the file. */
    public Path write(Path file, int port) {
        return write(file, port, "url: " + upstream);
    }

    /** The same, with {@code crm} reached through the agents polling {@code agentQueue} instead of by its URL. */
    public Path writeViaAgent(Path file, int port, String agentQueue) {
        return write(file, port, "agent: { taskQueue: " + agentQueue + " }");
    }

    private Path write(Path file, int port, String route) {
        try {
            Files.writeString(file, """
                    server:
                      port: %d
                      host: 127.0.0.1
                      publicUrl: %s
                    identity:
                      issuers:
                        - issuer: %s
                          groupsClaim: groups
                    upstreams:
                      - name: crm
                        %s
                    approvers:
                      dba: { members: [alice@example.com, bob@example.com, dave@example.com] }
                    policies:
                      - name: deleting needs a DBA
                        upstream: crm
                        tools: ["delete_*"]
                        action: approve
                        approval: { approvers: [dba], required: 1, timeout: 30m }
                      - name: purging is decided quickly or not at all
                        upstream: crm
                        tools: ["purge_*"]
                        action: approve
                        approval: { approvers: [dba], required: 1, timeout: 3s }
                      - name: dropping is never allowed
                        upstream: crm
                        tools: ["drop_*"]
                        action: deny
                        reason: records are never dropped
                      - name: everything else
                        action: allow
                    roles:
                      auditors: [security]
                    gatedCalls:
                      maxPendingPerCaller: 50
                    storage:
                      postgres: { url: "%s", user: postgres, password: "" }
                    temporal:
                      target: %s
                      namespace: default
                      payloadKey: "%s"
                    """.formatted(port, publicUrl, issuer, route, jdbcUrl, temporalTarget, payloadKey));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
