package dev.gatehouse.workflows.gated;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.payload.codec.PayloadCodec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gatehouse.workflows.gated.GatedCallHarness.assertRefused;
import static dev.gatehouse.workflows.gated.GatedCallHarness.refusal;
import static dev.gatehouse.workflows.gated.TestCalls.ERIN;
import static dev.gatehouse.workflows.gated.TestCalls.approve;
import static dev.gatehouse.workflows.gated.TestCalls.call;
import static dev.gatehouse.workflows.gated.TestCalls.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A refusal reaches the client with its type and reason, also through a codec that hides failure messages. */
class UpdateRejectionDataConverterTest {

    /** Stands in for the AES-GCM codec: payloads leave unreadable and come back intact. */
    private static final class ReversingCodec implements PayloadCodec {

        @Override
        public List<Payload> encode(List<Payload> payloads) {
            return payloads.stream().map(payload -> Payload.newBuilder()
                    .putMetadata("encoding", ByteString.copyFromUtf8("binary/reversed"))
                    .setData(reversed(payload.toByteString()))
                    .build()).toList();
        }

        @Override
        public List<Payload> decode(List<Payload> payloads) {
            return payloads.stream().map(payload -> {
                try {
                    return Payload.parseFrom(reversed(payload.getData()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException("not a reversed payload", e);
                }
            }).toList();
        }

        private static ByteString reversed(ByteString bytes) {
            byte[] data = bytes.toByteArray();
            for (int i = 0, j = data.length - 1; i < j; i++, j--) {
                byte b = data[i];
                data[i] = data[j];
                data[j] = b;
            }
            return ByteString.copyFrom(data);
        }
    }

    private static DataConverter encoding() {
        // true: failure messages and stack traces are encoded too, as the broker's converter does.
        return new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(new ReversingCodec()), true);
    }

    @Test
    void keepsTheRefusalTypeAndReasonBehindAnEncodingCodec() throws Exception {
        try (GatedCallHarness harness = new GatedCallHarness(UpdateRejectionDataConverter.around(encoding()))) {
            GatedCallWorkflow workflow = harness.start(call("ap-codec", policy()));

            assertRefused(DecisionRefusal.NOT_ELIGIBLE,
                    "erin@example.com is in none of the groups that may decide this call now: dba",
                    () -> workflow.decide(approve(ERIN)));
        }
    }

    /** Fails once the SDK passes validator failures on itself (sdk-java#3001): then delete the converter. */
    @Test
    void isStillNeededWithThisSdk() throws Exception {
        try (GatedCallHarness harness = new GatedCallHarness(encoding())) {
            GatedCallWorkflow workflow = harness.start(call("ap-codec-unfixed", policy()));

            ApplicationFailure refusal = refusal(() -> workflow.decide(approve(ERIN)));

            assertEquals("io.temporal.internal.worker.WorkflowExecutionException", refusal.getType());
            assertEquals("Encoded failure", refusal.getOriginalMessage());
        }
    }
}
