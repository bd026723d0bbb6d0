package dev.gatehouse.workflows.gated;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceContextTest {

    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void keepsAWellFormedContextAndNamesItsTrace() {
        TraceContext trace = TraceContext.of(" " + VALID + " ", "congo=t61rcWkgMzE").orElseThrow();
        assertThat(trace.traceparent()).isEqualTo(VALID);
        assertThat(trace.tracestate()).isEqualTo("congo=t61rcWkgMzE");
        assertThat(trace.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        // A later version may carry more fields; they are passed on unread.
        assertThat(TraceContext.of("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", null)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "garbage",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // all-zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // forbidden version
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // upper case
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Injected: 1"})
    void ignoresAMalformedTraceparent(String traceparent) {
        assertThat(TraceContext.of(traceparent, "a=b")).isEmpty();
        assertThatThrownBy(() -> new TraceContext(traceparent, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dropsATracestateItCannotPassOnSafely() {
        assertThat(TraceContext.of(VALID, "a=b\nX-Injected: 1").orElseThrow().tracestate()).isNull();
        assertThat(TraceContext.of(VALID, "a=" + "x".repeat(600)).orElseThrow().tracestate()).isNull();
        assertThat(TraceContext.of(VALID, null).orElseThrow().tracestate()).isNull();
    }
}
