package dev.gatehouse.activities.masking;

import java.util.HashMap;
import java.util.Map;

/**
 * The mutable state of one masking call: the span buffer shared by its strings and a counter per
 * finder and path rule. Confined to the thread making the call, which is what lets the profile
 * itself stay immutable and shared.
 */
final class MaskCall {

    private final String[] counterNames;
    private final int[] counts;
    private final Spans spans = new Spans();
    private final TextScan scan = new TextScan();

    MaskCall(String[] counterNames) {
        this.counterNames = counterNames;
        this.counts = new int[counterNames.length];
    }

    Spans spans() {
        return spans;
    }

    TextScan scan() {
        return scan;
    }

    int[] counts() {
        return counts;
    }

    void count(int counter) {
        counts[counter]++;
    }

    int[] snapshot() {
        return counts.clone();
    }

    /** What was counted since {@code snapshot}, per counter. */
    int[] since(int[] snapshot) {
        int[] delta = new int[counts.length];
        for (int i = 0; i < counts.length; i++) {
            delta[i] = counts[i] - snapshot[i];
        }
        return delta;
    }

    /** Counts {@code delta} again: for a second copy of a value masked identically. */
    void add(int[] delta) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += delta[i];
        }
    }

    MaskSummary summary() {
        Map<String, Integer> byName = null;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                if (byName == null) {
                    byName = new HashMap<>();
                }
                byName.merge(counterNames[i], counts[i], Integer::sum);
            }
        }
        return byName == null ? MaskSummary.none() : new MaskSummary(byName);
    }
}
