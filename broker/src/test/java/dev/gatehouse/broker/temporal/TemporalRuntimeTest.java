package dev.gatehouse.broker.temporal;

import dev.gatehouse.workflows.codec.EncryptedDataConverter;
import dev.gatehouse.workflows.codec.PayloadKey;
import dev.gatehouse.workflows.gated.ApprovalNotice;
import dev.gatehouse.workflows.gated.ApprovalRecordActivities;
import dev.gatehouse.workflows.gated.Decision;
import dev.gatehouse.workflows.gated.ForwardActivities;
import dev.gatehouse.workflows.gated.ForwardResult;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.GatedCallResult;
import dev.gatehouse.workflows.gated.GatedCallSearchAttributes;
import dev.gatehouse.workflows.gated.NoticeSettlement;
import dev.gatehouse.workflows.gated.Notification;
import dev.gatehouse.workflows.gated.NotifyActivities;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.testserver.TestServer;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runtime against the port-bound Temporal test server that dev mode embeds. */
class TemporalRuntimeTest {

    private static final String NAMESPACE = "default";

    private static TestServer.PortBoundTestServer server;
    private static TemporalConnection connection;

    @WorkflowInterface
    public interface Echo {
        @WorkflowMethod
        String echo(String argument);
    }

    @ActivityInterface
    public interface Shout {
        String shout(String argument);
    }

    public static final class EchoWorkflow implements Echo {
        private final Shout shout = Workflow.newActivityStub(Shout.class,
                ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());

        @Override
        public String echo(String argument) {
            return shout.shout(argument) + ", workflow on a virtual thread: " + Thread.currentThread().isVirtual();
        }
    }

    static final class ShoutActivity implements Shout {
        @Override
        public String shout(String argument) {
            return "secret-result-4711 for " + argument + " (activity on a virtual thread: " + Thread.currentThread().isVirtual() + ")";
        }
    }

    /** Counts how often its code runs from the top: once per workflow task when nothing is cached, once in all when it is. */
    public static final class CountingEchoWorkflow implements Echo {
        static final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> RUNS = new java.util.concurrent.ConcurrentHashMap<>();

        private final Shout shout = Workflow.newActivityStub(Shout.class,
                ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());

        @Override
        public String echo(String argument) {
            // Not workflow state: only the test reads it, so it cannot make a replay diverge.
            RUNS.computeIfAbsent(Workflow.getInfo().getWorkflowId(), id -> new java.util.concurrent.atomic.AtomicInteger())
                    .incrementAndGet();
            String first = shout.shout(argument);
            return shout.shout(first);
        }
    }

    /** Three workflow tasks: start, after the first activity, after the second. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(WorkflowCaching.class)
    void replaysAWorkflowFromItsStartOnEachTaskUnlessCaching(WorkflowCaching caching) {
        String taskQueue = "caching-" + UUID.randomUUID();
        String workflowId = "caching-" + UUID.randomUUID();
        try (TemporalRuntime runtime = TemporalRuntime.create(connection, NAMESPACE, taskQueue, PayloadKey.generate(), List.of(),
                caching, worker -> {
                    worker.registerWorkflowImplementationTypes(CountingEchoWorkflow.class);
                    worker.registerActivitiesImplementations(new ShoutActivity());
                })) {
            runtime.start();
            Echo echo = runtime.client().newWorkflowStub(Echo.class,
                    WorkflowOptions.newBuilder().setTaskQueue(taskQueue).setWorkflowId(workflowId).build());
            assertThat(echo.echo("anything")).contains("secret-result-4711 for secret-result-4711 for anything");

            assertThat(CountingEchoWorkflow.RUNS.get(workflowId)).hasValue(caching == WorkflowCaching.STICKY ? 1 : 3);
        }
    }

    @BeforeAll
    static void startServer() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        server = TestServer.createPortBoundServer(port);
        connection = TemporalConnection.to("127.0.0.1:" + port);
    }

    @AfterAll
    static void stopServer() {
        connection.close();
        server.close();
    }

    @Test
    void registersTheSearchAttributesOnceAndAgainWithoutComplaint() {
        List<String> names = GatedCallSearchAttributes.ALL.stream().map(SearchAttributeKey::getName).toList();
        assertThat(SearchAttributeRegistration.registerAll(connection, NAMESPACE)).containsExactlyElementsOf(names);
        assertThat(SearchAttributeRegistration.registerAll(connection, NAMESPACE)).isEmpty();

        // The server takes a workflow carrying every attribute with its type (it refuses unknown ones).
        WorkflowClient client = WorkflowClient.newInstance(connection.stubs(),
                WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
        WorkflowStub stub = client.newUntypedWorkflowStub("Nothing", WorkflowOptions.newBuilder()
                .setTaskQueue("no-worker-" + UUID.randomUUID())
                .setWorkflowId("search-attributes-" + UUID.randomUUID())
                .setTypedSearchAttributes(SearchAttributes.newBuilder()
                        .set(GatedCallSearchAttributes.UPSTREAM, "crm")
                        .set(GatedCallSearchAttributes.TOOL, "delete_customer")
                        .set(GatedCallSearchAttributes.REQUESTER, "ci-bot")
                        .set(GatedCallSearchAttributes.STATUS, "PENDING")
                        .set(GatedCallSearchAttributes.DECIDED_BY, List.of("alice@example.com"))
                        .build())
                .build());
        stub.start();
        stub.terminate("test done");
    }

    @Test
    void keepsArgumentsAndResultsOutOfWorkflowHistory() {
        String taskQueue = "echo-" + UUID.randomUUID();
        String workflowId = "echo-" + UUID.randomUUID();
        PayloadKey key = PayloadKey.generate();
        try (TemporalRuntime runtime = TemporalRuntime.create(connection, NAMESPACE, taskQueue, key, List.of(), WorkflowCaching.NONE, worker -> {
            worker.registerWorkflowImplementationTypes(EchoWorkflow.class);
            worker.registerActivitiesImplementations(new ShoutActivity());
        })) {
            runtime.start();
            Echo echo = runtime.client().newWorkflowStub(Echo.class,
                    WorkflowOptions.newBuilder().setTaskQueue(taskQueue).setWorkflowId(workflowId).build());

            assertThat(echo.echo("secret-argument-4711")).isEqualTo("secret-result-4711 for secret-argument-4711"
                    + " (activity on a virtual thread: true), workflow on a virtual thread: true");

            String history = new String(runtime.client().fetchHistory(workflowId).getHistory().toByteArray(), StandardCharsets.ISO_8859_1);
            assertThat(history).contains("Shout", "binary/encrypted", key.fingerprint());
            assertThat(history).doesNotContain("secret-argument-4711", "secret-result-4711");

            WorkflowClient withoutCodec = WorkflowClient.newInstance(connection.stubs(),
                    WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
            assertThatThrownBy(() -> withoutCodec.newUntypedWorkflowStub(workflowId).getResult(String.class))
                    .rootCause().hasMessageContaining("binary/encrypted");

            PayloadKey otherKey = PayloadKey.generate();
            WorkflowClient withOtherKey = WorkflowClient.newInstance(connection.stubs(),
                    WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).setDataConverter(EncryptedDataConverter.of(otherKey)).build());
            assertThatThrownBy(() -> withOtherKey.newUntypedWorkflowStub(workflowId).getResult(String.class))
                    .rootCause().hasMessageContaining("encrypted with key " + key.fingerprint())
                    .hasMessageContaining("the configured payload key is " + otherKey.fingerprint());

            assertThat(runtime.client().newUntypedWorkflowStub(workflowId).getResult(String.class))
                    .startsWith("secret-result-4711 for secret-argument-4711");

            // After a rotation (temporal.previousPayloadKeys), what the old key wrote is still read.
            try (TemporalRuntime rotated = TemporalRuntime.create(connection, NAMESPACE, "rotated-" + taskQueue, otherKey,
                    List.of(key), WorkflowCaching.NONE, worker -> { })) {
                assertThat(rotated.client().newUntypedWorkflowStub(workflowId).getResult(String.class))
                        .startsWith("secret-result-4711 for secret-argument-4711");
            }
        }
    }

    @Test
    void startsAndStopsTheGatedCallWorker() {
        String taskQueue = "gated-" + UUID.randomUUID();
        Unused activities = new Unused();
        PayloadKey key = PayloadKey.generate();
        try (TemporalRuntime runtime = TemporalRuntime.create(TemporalRuntime.client(connection, NAMESPACE, key, List.of()), taskQueue, key,
                new GatedCallActivities(activities, activities, activities), WorkflowCaching.NONE)) {
            runtime.start();
            assertThat(runtime.taskQueue()).isEqualTo(taskQueue);
            assertThat(runtime.client().getOptions().getNamespace()).isEqualTo(NAMESPACE);
        }
        // Closing the runtime leaves the connection to its owner.
        assertThat(connection.isServing()).isTrue();
    }

    /** Stands in for the three activity implementations; this test starts no gated call, so none is called. */
    private static final class Unused implements ApprovalRecordActivities, NotifyActivities, ForwardActivities {
        @Override
        public void recordPending(GatedCall call, Instant deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void recordDecision(String approvalId, Decision decision) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void recordOutcome(GatedCall call, GatedCallResult result) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Notification> announce(ApprovalNotice notice) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Notification> notify(ApprovalNotice notice) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void progress(GatedCall call, Decision decision, int number, int approvals) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void settleNotices(NoticeSettlement settlement) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void settle(GatedCall call, GatedCallResult result, List<Notification> notifications) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ForwardResult forward(GatedCall call) {
            throw new UnsupportedOperationException();
        }
    }
}
