package dev.gatehouse.broker.temporal;

import dev.gatehouse.broker.config.TemporalSettings;
import dev.gatehouse.broker.config.TemporalTls;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

import java.time.Duration;

/**
 * The broker's connection to its Temporal cluster: gated calls run there through a
 * {@link TemporalRuntime} built on it, and /readyz asks it whether the cluster answers. Thread-safe.
 */
public final class TemporalConnection implements AutoCloseable {

    private static final java.util.concurrent.Executor CALLBACKS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    private final String target;
    private final WorkflowServiceStubs stubs;

    private TemporalConnection(String target, WorkflowServiceStubs stubs) {
        this.target = target;
        this.stubs = stubs;
    }

    /** Connects lazily over plain gRPC (dev mode's and tests' own servers). */
    public static TemporalConnection to(String target) {
        return to(new TemporalSettings(target, null, null, null));
    }

    /**
     * Connects lazily, over TLS when the settings say so: the broker starts even while Temporal is briefly
     * unreachable, and says so on /readyz. Bad certificates or keys fail here, at start-up, naming the key.
     */
    public static TemporalConnection to(TemporalSettings settings) {
        WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder()
                .setTarget(settings.target())
                .setRpcTimeout(Duration.ofSeconds(5));
        TemporalTls tls = settings.tls();
        // Every held call waits on a result long poll; their callbacks run on virtual threads, so thousands
        // of them completing at once cost no platform threads (gRPC's default pool grows with the burst).
        options.setChannelInitializer(channel -> {
            channel.executor(CALLBACKS);
            if (tls != null && tls.serverName() != null) {
                channel.overrideAuthority(tls.serverName());
            }
        });
        if (settings.usesTls()) {
            options.setSslContext(TemporalTlsContext.of(tls));
        }
        if (settings.apiKey() != null) {
            String apiKey = settings.apiKey();
            options.addApiKey(() -> apiKey);
        }
        return new TemporalConnection(settings.target(), WorkflowServiceStubs.newServiceStubs(options.build()));
    }

    public String target() {
        return target;
    }

    public WorkflowServiceStubs stubs() {
        return stubs;
    }

    /** True when the frontend answers its health check. */
    public boolean isServing() {
        try {
            return stubs.healthCheck().getStatus().name().equals("SERVING");
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        // By now the worker has stopped; what is left are long polls for results of calls nobody waits on any more.
        stubs.shutdownNow();
        stubs.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }
}
