package dev.gatehouse.activities.masking;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many values each detector or custom rule masked. It holds names and counts only, never the
 * values, so it may be logged, recorded and shown to approvers. A custom rule that shares a
 * detector's name (a path rule called {@code ssn}) is counted with it.
 */
public record MaskSummary(Map<String, Integer> countsByDetector) {

    private static final MaskSummary NONE = new MaskSummary(Map.of());

    public MaskSummary {
        TreeMap<String, Integer> sorted = new TreeMap<>();
        countsByDetector.forEach((name, count) -> {
            if (count == null || count < 1) {
                throw new IllegalArgumentException("count for '" + name + "' must be at least 1, was " + count);
            }
            sorted.put(name, count);
        });
        countsByDetector = Collections.unmodifiableMap(sorted);
    }

    public static MaskSummary none() {
        return NONE;
    }

    public int total() {
        return countsByDetector.values().stream().mapToInt(Integer::intValue).sum();
    }

    public boolean isEmpty() {
        return countsByDetector.isEmpty();
    }

    public MaskSummary plus(MaskSummary other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        TreeMap<String, Integer> sum = new TreeMap<>(countsByDetector);
        other.countsByDetector.forEach((name, count) -> sum.merge(name, count, Integer::sum));
        return new MaskSummary(sum);
    }
}
