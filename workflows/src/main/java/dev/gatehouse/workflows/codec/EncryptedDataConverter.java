package dev.gatehouse.workflows.codec;

import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;

import java.util.List;

/**
 * The data converter every Gatehouse client and worker uses: Temporal's default JSON conversion,
 * then {@link AesGcmPayloadCodec}. Clients and workers must agree on it, so both get it here.
 */
public final class EncryptedDataConverter {

    private EncryptedDataConverter() {
    }

    public static DataConverter of(PayloadKey key) {
        return of(key, List.of());
    }

    /**
     * Encrypts with {@code current}, decrypts with it or any of {@code previous}. Failure messages and
     * stack traces are encrypted too ({@code encodeFailureAttributes}): an exception message can quote
     * the arguments it choked on, and history must not hold them in clear. Temporal UI then shows
     * "Encoded failure" unless it is given a codec server.
     */
    public static DataConverter of(PayloadKey current, List<PayloadKey> previous) {
        return new CodecDataConverter(DefaultDataConverter.newDefaultInstance(),
                List.of(new AesGcmPayloadCodec(current, previous)), true);
    }
}
