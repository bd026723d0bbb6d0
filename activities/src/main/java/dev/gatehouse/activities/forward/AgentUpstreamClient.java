package dev.gatehouse.activities.forward;

import dev.gatehouse.workflows.relay.RelayRequest;
import dev.gatehouse.workflows.relay.RelayResponse;
import dev.gatehouse.workflows.relay.RelayWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reaches an upstream through an agent beside it ({@code upstreams[].agent.taskQueue}): each message is a
 * {@link RelayWorkflow} on the broker's own task queue, which runs the exchange once on the agent's queue. The
 * broker needs no route to the upstream and never holds its credential. The answer arrives whole, so an SSE
 * answer's progress events come with its result; there is no server stream ({@code GET} is answered 405, which
 * MCP clients take as "none offered"). Thread-safe.
 */
public final class AgentUpstreamClient implements UpstreamClient {

    /** Beyond the upstream's timeout: the relay's own margin, and Temporal's round trips. */
    public static final Duration RELAY_MARGIN = Duration.ofSeconds(30);

    private final UpstreamTarget target;
    private final String agentQueue;
    private final String relayQueue;
    private final WorkflowClient temporal;

    /**
     * @param relayQueue the broker's task queue, whose workers run {@link RelayWorkflow}
     * @param temporal   the broker's Temporal client (its payload encryption included)
     */
    public AgentUpstreamClient(UpstreamTarget target, String agentQueue, String relayQueue, WorkflowClient temporal) {
        this.target = target;
        this.agentQueue = agentQueue;
        this.relayQueue = relayQueue;
        this.temporal = temporal;
    }

    /** The address an agent-carried upstream is known by, where an HTTP one has its URL (logs, the config view). */
    public static URI address(String agentQueue, String upstream) {
        return URI.create("agent://" + agentQueue + "/" + upstream);
    }

    @Override
    public UpstreamTarget target() {
        return target;
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) {
        PendingResponse pending = open(request);
        Duration patience = target.timeout().plus(RELAY_MARGIN);
        return pending.await(patience).orElseThrow(() -> {
            pending.abort();
            return new UpstreamException.TimedOut(target.name(), patience, null);
        });
    }

    @Override
    public PendingResponse open(UpstreamRequest request) {
        if (request.method().equals("GET")) {
            // Streams cannot cross a task queue: say, as MCP allows, that there is no server stream.
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.put("Allow", List.of("POST, DELETE"));
            return answered(CompletableFuture.completedFuture(RelayResponse.answered(405, headers, "")));
        }
        RelayWorkflow relay = temporal.newWorkflowStub(RelayWorkflow.class, WorkflowOptions.newBuilder()
                .setWorkflowId("relay-" + target.name() + "-" + UUID.randomUUID())
                .setTaskQueue(relayQueue)
                .setWorkflowExecutionTimeout(target.timeout().plus(RELAY_MARGIN))
                // Eager start where the cluster offers it: this broker's worker takes the first workflow task from the start
                // call itself, a round trip less (the test server does not; measured the same either way).
                .setDisableEagerExecution(false)
                .build());
        RelayRequest message = new RelayRequest(target.name(), request.method(), request.headers(),
                new String(request.body(), StandardCharsets.UTF_8), target.timeout());
        return answered(WorkflowClient.execute(relay::relay, agentQueue, message));
    }

    private PendingResponse answered(CompletableFuture<RelayResponse> relayed) {
        return new PendingResponse() {
            @Override
            public Optional<UpstreamResponse> await(Duration patience) {
                RelayResponse response;
                try {
                    response = relayed.get(patience.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    return Optional.empty();
                } catch (ExecutionException e) {
                    throw new UpstreamException.Unreachable(target.name(), "Temporal could not carry the message to the agent on"
                            + " task queue '" + agentQueue + "' (" + e.getCause().getMessage() + ")", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UpstreamException.Unreachable(target.name(), "interrupted while waiting", e);
                }
                if (!response.answered()) {
                    throw new UpstreamException.Unreachable(target.name(), response.failure(), null);
                }
                Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                headers.putAll(response.headers());
                return Optional.of(new UpstreamResponse(response.status(), headers,
                        new ByteArrayInputStream(response.body().getBytes(StandardCharsets.UTF_8))));
            }

            @Override
            public void abort() {
                // The relay runs to its end regardless (the agent may be mid-call); only this wait is given up.
                relayed.cancel(false);
            }
        };
    }

    @Override
    public URI resolveOnOrigin(String announced) {
        throw new UpstreamException.Unreachable(target.name(), "an agent carries Streamable HTTP only", null);
    }

    @Override
    public void close() {
        // Nothing of its own: the Temporal client is the broker's.
    }
}
