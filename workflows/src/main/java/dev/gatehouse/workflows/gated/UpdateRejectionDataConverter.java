package dev.gatehouse.workflows.gated;

import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.failure.v1.Failure;
import io.temporal.common.converter.DataConverter;
import io.temporal.internal.worker.WorkflowExecutionException;
import io.temporal.payload.context.SerializationContext;

import java.lang.reflect.Type;
import java.util.Objects;
import java.util.Optional;

/**
 * Wraps the data converter a worker uses so that the {@code ApplicationFailure} an update validator
 * throws reaches the client as thrown. Immutable and thread-safe if the wrapped converter is.
 *
 * <p>Why: Temporal Java SDK 1.38.0 converts a validator's failure twice, so the client sees the type
 * {@code io.temporal.internal.worker.WorkflowExecutionException} instead of the {@link DecisionRefusal}
 * name, and behind an encrypting codec the message {@code "Encoded failure"} instead of the reason
 * (<a href="https://github.com/temporalio/sdk-java/issues/2875">sdk-java#2875</a>, fixed by
 * <a href="https://github.com/temporalio/sdk-java/pull/3001">sdk-java#3001</a> after 1.38.0). The SDK
 * hands the already-converted failure over wrapped in that exception; this passes it on unchanged, which
 * is what the fix does. Delete this class once the SDK carries the fix.
 */
public final class UpdateRejectionDataConverter implements DataConverter {

    private final DataConverter delegate;

    private UpdateRejectionDataConverter(DataConverter delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The converter to give workers (and their clients): {@code delegate} with validator failures kept intact. */
    public static DataConverter around(DataConverter delegate) {
        return delegate instanceof UpdateRejectionDataConverter ? delegate : new UpdateRejectionDataConverter(delegate);
    }

    @Override
    public Failure exceptionToFailure(Throwable throwable) {
        if (throwable instanceof WorkflowExecutionException converted) {
            return converted.getFailure();
        }
        return delegate.exceptionToFailure(throwable);
    }

    @Override
    public RuntimeException failureToException(Failure failure) {
        return delegate.failureToException(failure);
    }

    @Override
    public DataConverter withContext(SerializationContext context) {
        // The SDK converts a rejection with the converter it gets here, so the context-bound copy must be wrapped too.
        return new UpdateRejectionDataConverter(delegate.withContext(context));
    }

    @Override
    public <T> Optional<Payload> toPayload(T value) {
        return delegate.toPayload(value);
    }

    @Override
    public <T> T fromPayload(Payload payload, Class<T> valueClass, Type valueType) {
        return delegate.fromPayload(payload, valueClass, valueType);
    }

    @Override
    public Optional<Payloads> toPayloads(Object... values) {
        return delegate.toPayloads(values);
    }

    @Override
    public <T> T fromPayloads(int index, Optional<Payloads> content, Class<T> valueType, Type valueGenericType) {
        return delegate.fromPayloads(index, content, valueType, valueGenericType);
    }

    @Override
    public Object[] fromPayloads(Optional<Payloads> content, Class<?>[] parameterTypes, Type[] genericParameterTypes) {
        return delegate.fromPayloads(content, parameterTypes, genericParameterTypes);
    }
}
