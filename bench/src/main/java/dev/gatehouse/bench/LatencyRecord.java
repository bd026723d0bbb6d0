package dev.gatehouse.bench;

import java.util.Arrays;

/** Latencies of one measured phase, in nanoseconds, and the throughput they add up to. */
record LatencyRecord(String target, int concurrency, long[] sortedNanos, double seconds, int errors) {

    static LatencyRecord of(String target, int concurrency, long[] nanos, double seconds, int errors) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new LatencyRecord(target, concurrency, sorted, seconds, errors);
    }

    double percentileMillis(double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(p / 100.0 * sortedNanos.length) - 1);
        return sortedNanos[Math.max(0, index)] / 1e6;
    }

    double throughput() {
        return sortedNanos.length / seconds;
    }
}
