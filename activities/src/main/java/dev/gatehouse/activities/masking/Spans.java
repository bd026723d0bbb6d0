package dev.gatehouse.activities.masking;

import java.util.Arrays;

/**
 * The spans the finders found in one string, and the pass that replaces them. One instance serves
 * all the strings of one masking call, so the common case (no match) allocates nothing; it is
 * confined to the thread making that call.
 */
final class Spans {

    private int[] starts = new int[8];
    private int[] ends = new int[8];
    private int[] finders = new int[8];
    private int[] order = new int[8];
    private int size;
    private int finder;

    void reset() {
        size = 0;
    }

    /** Attributes the spans added from now on to finder {@code index} of the profile. */
    void attributeTo(int index) {
        finder = index;
    }

    void add(int start, int end) {
        if (end <= start) {
            return;
        }
        if (size == starts.length) {
            int capacity = size * 2;
            starts = Arrays.copyOf(starts, capacity);
            ends = Arrays.copyOf(ends, capacity);
            finders = Arrays.copyOf(finders, capacity);
            order = Arrays.copyOf(order, capacity);
        }
        starts[size] = start;
        ends[size] = end;
        finders[size] = finder;
        size++;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Builds the masked string in one pass. Where spans overlap, the earliest-starting wins, then
     * the longest, then the finder listed first; the losers are dropped, not applied to the result
     * of the winner, so that no replacement is ever re-scanned.
     */
    String apply(String text, Replacement[] replacements, int[] counts) {
        sortSpans();
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        for (int k = 0; k < size; k++) {
            int i = order[k];
            if (starts[i] < copied) {
                continue;
            }
            out.append(text, copied, starts[i]);
            replacements[finders[i]].render(text, starts[i], ends[i], out);
            counts[finders[i]]++;
            copied = ends[i];
        }
        out.append(text, copied, text.length());
        return out.toString();
    }

    // Insertion sort: a string rarely has more than a handful of spans.
    private void sortSpans() {
        for (int k = 0; k < size; k++) {
            int i = k;
            int j = k - 1;
            while (j >= 0 && before(i, order[j])) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = i;
        }
    }

    private boolean before(int a, int b) {
        if (starts[a] != starts[b]) {
            return starts[a] < starts[b];
        }
        if (ends[a] != ends[b]) {
            return ends[a] > ends[b];
        }
        return finders[a] < finders[b];
    }
}
