package dev.gatehouse.broker.temporal;

import dev.gatehouse.workflows.gated.GatedCallSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Registers the gated-call search attributes ({@link GatedCallSearchAttributes#ALL}) on a Temporal
 * server through its OperatorService. Dev mode does this for its embedded server at every start;
 * a real cluster is set up once by its operator, with the Temporal CLI:
 *
 * <pre>
 * temporal operator search-attribute create --namespace gatehouse \
 *   --name GatehouseUpstream --type Keyword \
 *   --name GatehouseTool --type Keyword \
 *   --name GatehouseRequester --type Keyword \
 *   --name GatehouseStatus --type Keyword \
 *   --name GatehouseDecidedBy --type KeywordList
 * </pre>
 *
 * (add {@code --address host:7233}, TLS or API-key flags as the cluster needs; on Temporal Cloud,
 * use {@code tcld namespace search-attributes add} or the Cloud UI instead).
 */
public final class SearchAttributeRegistration {

    private static final Logger log = LoggerFactory.getLogger(SearchAttributeRegistration.class);

    private SearchAttributeRegistration() {
    }

    /**
     * Registers every gated-call search attribute in {@code namespace}; returns the names that were
     * new. Idempotent: attributes the server already has are left as they are, so running it at each
     * start, or from two replicas at once, is fine.
     *
     * @throws IllegalStateException naming the attribute when the server refuses one for another reason
     */
    public static List<String> registerAll(TemporalConnection connection, String namespace) {
        // The connection's channel, not a second one; closing these stubs leaves a channel they were given open.
        OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder()
                .setChannel(connection.stubs().getRawChannel())
                .validateAndBuildWithDefaults());
        try {
            List<String> added = new ArrayList<>();
            for (SearchAttributeKey<?> key : GatedCallSearchAttributes.ALL) {
                if (register(operator, namespace, key.getName(), key.getValueType())) {
                    added.add(key.getName());
                }
            }
            log.info("search attributes in namespace {}: registered {}, already present {}", namespace, added,
                    GatedCallSearchAttributes.ALL.stream().map(SearchAttributeKey::getName).filter(n -> !added.contains(n)).toList());
            return List.copyOf(added);
        } finally {
            operator.shutdown();
            operator.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * One attribute per request: a server that already has one refuses the whole request with
     * ALREADY_EXISTS (the embedded test server does), which must not keep the others from registering.
     */
    private static boolean register(OperatorServiceStubs operator, String namespace, String name, IndexedValueType type) {
        try {
            operator.blockingStub().addSearchAttributes(AddSearchAttributesRequest.newBuilder()
                    .setNamespace(namespace)
                    .putSearchAttributes(name, type)
                    .build());
            return true;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
                return false;
            }
            throw new IllegalStateException("cannot register search attribute " + name + " (" + type + ") in namespace "
                    + namespace + ": " + e.getStatus().getCode() + " " + e.getStatus().getDescription(), e);
        }
    }
}
