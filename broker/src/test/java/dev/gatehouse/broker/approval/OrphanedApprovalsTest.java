package dev.gatehouse.broker.approval;

import dev.gatehouse.activities.approval.ApprovalRecord;
import dev.gatehouse.activities.approval.ApprovalStore;
import dev.gatehouse.activities.approval.Claim;
import dev.gatehouse.activities.database.Database;
import dev.gatehouse.activities.database.DatabaseSettings;
import dev.gatehouse.broker.dev.EmbeddedDatabase;
import dev.gatehouse.broker.dev.FreePort;
import dev.gatehouse.broker.temporal.TemporalConnection;
import dev.gatehouse.workflows.gated.ApprovalPolicy;
import dev.gatehouse.workflows.gated.ApproverGroup;
import dev.gatehouse.workflows.gated.GatedCall;
import dev.gatehouse.workflows.gated.Requester;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testserver.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Approvals PostgreSQL holds as pending that no workflow will decide are settled; those a workflow still owns are
 * not. Real PostgreSQL and Temporal's test server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrphanedApprovalsTest {

    private EmbeddedDatabase postgres;
    private Database database;
    private TestServer.PortBoundTestServer temporal;
    private TemporalConnection connection;
    private ApprovalStore store;
    private WorkflowClient client;

    @BeforeAll
    void start() {
        postgres = EmbeddedDatabase.start();
        database = Database.open(new DatabaseSettings(postgres.jdbcUrl(), "postgres", "", 2, Duration.ofSeconds(5)));
        store = new ApprovalStore(database.jdbi());
        int port = FreePort.pick();
        temporal = TestServer.createPortBoundServer(port);
        connection = TemporalConnection.to("127.0.0.1:" + port);
        client = WorkflowClient.newInstance(connection.stubs(), WorkflowClientOptions.newBuilder().setNamespace("default").build());
    }

    @AfterAll
    void stop() {
        connection.close();
        temporal.close();
        database.close();
        postgres.close();
    }

    @Test
    void abandonsWhatNoWorkflowWillDecideAndLeavesWhatOneStillOwns() {
        Instant longAgo = Instant.now().minus(Duration.ofMinutes(30));
        String neverStarted = claim("agent-1", longAgo);
        String stillRunning = claim("agent-2", longAgo);
        String notYetDue = claim("agent-3", Instant.now().plus(Duration.ofMinutes(30)));
        // A workflow with the approval's id that no worker serves stays running: Temporal still owns it.
        client.newUntypedWorkflowStub("Nothing", WorkflowOptions.newBuilder().setWorkflowId(stillRunning)
                .setTaskQueue("no-worker-" + UUID.randomUUID()).build()).start();

        assertThat(new OrphanedApprovals(store, client).sweep()).isEqualTo(1);

        ApprovalRecord abandoned = store.find(neverStarted).orElseThrow();
        assertThat(abandoned.status()).isEqualTo(ApprovalRecord.ABANDONED);
        assertThat(abandoned.outcomeReason()).contains("its workflow never started").contains("the call was not forwarded");
        assertThat(store.find(stillRunning).orElseThrow().status()).isEqualTo("pending");
        assertThat(store.find(notYetDue).orElseThrow().status()).isEqualTo("pending");
        assertThat(new OrphanedApprovals(store, client).sweep()).as("a second sweep finds nothing new").isZero();
    }

    private String claim(String requester, Instant deadline) {
        ApprovalPolicy policy = new ApprovalPolicy("deleting needs a DBA", "v1", List.of("dba"), 1, Duration.ofMinutes(30), null,
                List.of(), Map.of("dba", new ApproverGroup("dba", List.of("alice@example.com"), null, false)), null, "");
        String id = "apr-" + UUID.randomUUID();
        GatedCall call = new GatedCall(id, "key-" + id, "x-" + id, null, "1", new Requester("https://idp.example.com", requester, requester + "@example.com",
                List.of("agents")), "crm", "tools/call", "delete_record", "{}", "digest", "{}", policy, Duration.ofSeconds(10));
        assertThat(store.claim(call, deadline, 10)).isInstanceOf(Claim.Claimed.class);
        return id;
    }
}
