package dev.gatehouse.broker.agent;

import dev.gatehouse.activities.forward.HttpUpstreamClient;
import dev.gatehouse.activities.forward.UpstreamRelayImpl;
import dev.gatehouse.activities.forward.UpstreamTarget;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.TemporalSettings;
import dev.gatehouse.broker.config.UpstreamSettings;
import dev.gatehouse.broker.temporal.TemporalConnection;
import dev.gatehouse.broker.temporal.TemporalRuntime;
import dev.gatehouse.broker.temporal.WorkflowCaching;
import dev.gatehouse.workflows.codec.PayloadKey;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code gatehouse agent}: runs beside MCP servers the brokers have no route to. It connects out to Temporal only
 * (no port of its own), polls the task queue its file names, and carries each message the brokers relay to it to
 * the upstream it names, with the credentials only this file holds. Several agents on one queue share the load;
 * one that stops mid-call leaves that call to time out and be reported, never retried (it may not be idempotent).
 */
public final class Agent implements AutoCloseable {

    private final Deque<AutoCloseable> parts;
    private final String taskQueue;
    private final List<String> upstreams;

    private Agent(Deque<AutoCloseable> parts, String taskQueue, List<String> upstreams) {
        this.parts = parts;
        this.taskQueue = taskQueue;
        this.upstreams = upstreams;
    }

    /** Starts polling; the configuration has passed {@link dev.gatehouse.broker.config.AgentModeCheck}. */
    public static Agent start(GatehouseConfig config) {
        TemporalSettings temporal = config.temporal();
        PayloadKey key = PayloadKey.parse(temporal.payloadKey(), "temporal.payloadKey");
        Deque<AutoCloseable> parts = new ArrayDeque<>();
        try {
            Map<String, HttpUpstreamClient> clients = new LinkedHashMap<>();
            for (UpstreamSettings upstream : config.upstreams()) {
                HttpUpstreamClient client = new HttpUpstreamClient(new UpstreamTarget(upstream.name(), upstream.url().uri(),
                        upstream.headers(), upstream.connectTimeout(), upstream.timeout(), upstream.idleTimeout()));
                parts.push(client);
                clients.put(upstream.name(), client);
            }
            TemporalConnection connection = TemporalConnection.to(temporal);
            parts.push(connection);
            String taskQueue = config.agent().taskQueue();
            TemporalRuntime runtime = TemporalRuntime.create(
                    TemporalRuntime.client(connection, temporal.namespace(), key, temporal.decryptionOnlyKeys()), taskQueue, key,
                    // Agents run activities only: there is no workflow to cache.
                    WorkflowCaching.NONE, worker -> worker.registerActivitiesImplementations(new UpstreamRelayImpl(clients)));
            runtime.start();
            // On SIGTERM the calls it is running finish first (up to the longest upstream timeout): an interrupted one
            // would be reported "may have run", and a rolling update should cost none.
            Duration grace = config.upstreams().stream().map(UpstreamSettings::timeout).max(Duration::compareTo)
                    .orElse(Duration.ofSeconds(10)).plusSeconds(5);
            parts.push(() -> runtime.close(grace));
            return new Agent(parts, taskQueue, List.copyOf(clients.keySet()));
        } catch (RuntimeException e) {
            closeAll(parts);
            throw e;
        }
    }

    public String taskQueue() {
        return taskQueue;
    }

    public List<String> upstreams() {
        return upstreams;
    }

    /** Stops polling and lets calls in progress finish (up to the longest upstream timeout), then closes the upstream clients. */
    @Override
    public void close() {
        closeAll(parts);
    }

    private static void closeAll(Deque<AutoCloseable> parts) {
        while (!parts.isEmpty()) {
            try {
                parts.pop().close();
            } catch (Exception ignored) {
                // Each part on its own: one that fails to stop must not keep the others running.
            }
        }
    }
}
