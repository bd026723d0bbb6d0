package dev.gatehouse.broker.http;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReadinessTest {

    private static final ReadinessCheck POSTGRES_UP = new ReadinessCheck("postgres", () -> true, true);
    private static final ReadinessCheck POSTGRES_DOWN = new ReadinessCheck("postgres", () -> false, true);
    private static final ReadinessCheck TEMPORAL_UP = new ReadinessCheck("temporal", () -> true, false);
    private static final ReadinessCheck TEMPORAL_DOWN = new ReadinessCheck("temporal", () -> {
        throw new IllegalStateException("connection refused");
    }, false);

    @Test
    void isReadyWhenEveryDependencyAnswers() {
        Readiness readiness = Readiness.of(List.of(POSTGRES_UP, TEMPORAL_UP));
        assertThat(readiness.status()).isEqualTo(200);
        assertThat(readiness.body()).isEqualTo(Map.of("status", "ready", "checks", Map.of("postgres", "ready", "temporal", "ready")));
    }

    @Test
    void staysInTheLoadBalancerDegradedWhileOnlyTemporalIsAway() {
        // Allowed calls still flow without Temporal; only gated ones are refused (-32016), each with its reason.
        Readiness readiness = Readiness.of(List.of(POSTGRES_UP, TEMPORAL_DOWN));
        assertThat(readiness.status()).isEqualTo(200);
        assertThat(readiness.body()).isEqualTo(Map.of("status", "degraded",
                "checks", Map.of("postgres", "ready", "temporal", "unavailable")));
    }

    @Test
    void isNotReadyWithoutPostgresqlSinceNoCallCanBeRecorded() {
        Readiness readiness = Readiness.of(List.of(POSTGRES_DOWN, TEMPORAL_DOWN));
        assertThat(readiness.status()).isEqualTo(503);
        assertThat(readiness.body()).containsEntry("status", "not ready");
    }
}
