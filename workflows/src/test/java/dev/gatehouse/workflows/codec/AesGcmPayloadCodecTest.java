package dev.gatehouse.workflows.codec;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.failure.v1.Failure;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.codec.PayloadCodecException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AesGcmPayloadCodecTest {

    private static final PayloadKey KEY = PayloadKey.generate();
    private static final PayloadKey OTHER = PayloadKey.generate();

    private static final Payload PLAIN = Payload.newBuilder()
            .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
            .setData(ByteString.copyFromUtf8("{\"table\":\"customers\",\"secret\":\"s3cr3t-4711\"}"))
            .build();

    private final AesGcmPayloadCodec codec = new AesGcmPayloadCodec(KEY);

    @Test
    void roundTripsAPayloadWithItsMetadata() {
        assertThat(codec.decode(codec.encode(List.of(PLAIN)))).containsExactly(PLAIN);
    }

    @Test
    void marksEncryptedPayloadsAndHidesTheirContent() {
        Payload sealed = codec.encode(List.of(PLAIN)).getFirst();
        assertThat(sealed.getMetadataMap()).containsOnlyKeys("encoding", "encryption-key-id");
        assertThat(sealed.getMetadataOrThrow("encoding").toStringUtf8()).isEqualTo("binary/encrypted");
        assertThat(sealed.getMetadataOrThrow("encryption-key-id").toStringUtf8()).isEqualTo(KEY.fingerprint());
        assertThat(new String(sealed.toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain("s3cr3t-4711", "json/plain");
        // nonce (12) + the serialized payload + the GCM tag (16)
        assertThat(sealed.getData().size()).isEqualTo(12 + PLAIN.getSerializedSize() + 16);
    }

    @Test
    void encryptsTheSamePayloadDifferentlyEachTime() {
        Payload first = codec.encode(List.of(PLAIN)).getFirst();
        Payload second = codec.encode(List.of(PLAIN)).getFirst();
        assertThat(first.getData()).isNotEqualTo(second.getData());
        assertThat(first.getData().substring(0, 12)).isNotEqualTo(second.getData().substring(0, 12));
    }

    @Test
    void refusesATamperedPayload() {
        Payload sealed = codec.encode(List.of(PLAIN)).getFirst();
        byte[] data = sealed.getData().toByteArray();
        data[20] ^= 1;
        Payload tampered = sealed.toBuilder().setData(ByteString.copyFrom(data)).build();
        assertThatThrownBy(() -> codec.decode(List.of(tampered)))
                .isInstanceOf(PayloadCodecException.class)
                .hasMessage("payload encrypted with key " + KEY.fingerprint() + " failed authentication (the configured payload key is "
                        + KEY.fingerprint() + "): it was altered after it was written, or its key id is not the key that encrypted it");
    }

    @Test
    void refusesAPayloadWhoseKeyIdWasSwapped() {
        AesGcmPayloadCodec both = new AesGcmPayloadCodec(KEY, List.of(OTHER));
        Payload sealed = codec.encode(List.of(PLAIN)).getFirst().toBuilder()
                .putMetadata("encryption-key-id", ByteString.copyFromUtf8(OTHER.fingerprint()))
                .build();
        assertThatThrownBy(() -> both.decode(List.of(sealed)))
                .isInstanceOf(PayloadCodecException.class)
                .hasMessageStartingWith("payload encrypted with key " + OTHER.fingerprint() + " failed authentication");
    }

    @Test
    void refusesAPayloadEncryptedWithAnotherKeyNamingBothKeys() {
        Payload sealed = new AesGcmPayloadCodec(OTHER).encode(List.of(PLAIN)).getFirst();
        assertThatThrownBy(() -> codec.decode(List.of(sealed)))
                .isInstanceOf(PayloadCodecException.class)
                .hasMessage("cannot decrypt a payload encrypted with key " + OTHER.fingerprint() + ": the configured payload key is "
                        + KEY.fingerprint() + "; configure the key it was written with (temporal.payloadKey)");
    }

    @Test
    void refusesATruncatedPayload() {
        Payload sealed = codec.encode(List.of(PLAIN)).getFirst();
        Payload cut = sealed.toBuilder().setData(sealed.getData().substring(0, 20)).build();
        assertThatThrownBy(() -> codec.decode(List.of(cut)))
                .isInstanceOf(PayloadCodecException.class)
                .hasMessage("cannot decrypt a payload encrypted with key " + KEY.fingerprint()
                        + ": it is 20 bytes, shorter than a nonce and a tag");
    }

    @Test
    void decodesWithAPreviousKeyAndEncodesWithTheCurrentOne() {
        Payload old = new AesGcmPayloadCodec(OTHER).encode(List.of(PLAIN)).getFirst();
        AesGcmPayloadCodec rotated = new AesGcmPayloadCodec(KEY, List.of(OTHER));
        assertThat(rotated.decode(List.of(old))).containsExactly(PLAIN);
        Payload fresh = rotated.encode(List.of(PLAIN)).getFirst();
        assertThat(fresh.getMetadataOrThrow("encryption-key-id").toStringUtf8()).isEqualTo(KEY.fingerprint());
    }

    @Test
    void namesThePreviousKeysWhenNoneMatches() {
        PayloadKey third = PayloadKey.generate();
        Payload sealed = new AesGcmPayloadCodec(third).encode(List.of(PLAIN)).getFirst();
        assertThatThrownBy(() -> new AesGcmPayloadCodec(KEY, List.of(OTHER)).decode(List.of(sealed)))
                .hasMessage("cannot decrypt a payload encrypted with key " + third.fingerprint() + ": the configured payload key is "
                        + KEY.fingerprint() + " (previous keys: " + OTHER.fingerprint()
                        + "); configure the key it was written with (temporal.payloadKey)");
    }

    @Test
    void passesUnencryptedPayloadsThrough() {
        Payload empty = Payload.getDefaultInstance();
        assertThat(codec.decode(List.of(PLAIN, empty))).containsExactly(PLAIN, empty);
    }

    @Test
    void isSafeToShareBetweenThreads() {
        List<Payload> payloads = IntStream.range(0, 2_000).parallel()
                .mapToObj(i -> Payload.newBuilder().setData(ByteString.copyFromUtf8("payload " + i)).build())
                .map(p -> codec.decode(codec.encode(List.of(p))).getFirst())
                .toList();
        assertThat(payloads).extracting(p -> p.getData().toStringUtf8())
                .containsExactlyElementsOf(IntStream.range(0, 2_000).mapToObj(i -> "payload " + i).toList());
    }

    @Test
    void theDataConverterEncryptsValuesAndFailureMessages() {
        DataConverter converter = EncryptedDataConverter.of(KEY);
        Payload payload = converter.toPayload("secret-argument-4711").orElseThrow();
        assertThat(payload.toByteString().toStringUtf8()).doesNotContain("secret-argument-4711");
        assertThat(converter.fromPayload(payload, String.class, String.class)).isEqualTo("secret-argument-4711");

        Failure failure = converter.exceptionToFailure(new IllegalStateException("cannot parse secret-argument-4711"));
        assertThat(failure.toByteString().toStringUtf8()).doesNotContain("secret-argument-4711");
        assertThat(converter.failureToException(failure)).hasMessageContaining("cannot parse secret-argument-4711");
    }

    @Test
    void aConverterWithoutTheCodecCannotReadEncryptedValues() {
        Payload payload = EncryptedDataConverter.of(KEY).toPayload("secret-argument-4711").orElseThrow();
        assertThatThrownBy(() -> DefaultDataConverter.newDefaultInstance().fromPayload(payload, String.class, String.class))
                .hasMessageContaining("binary/encrypted");
    }
}
