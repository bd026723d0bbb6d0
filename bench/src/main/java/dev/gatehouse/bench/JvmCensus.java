package dev.gatehouse.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * This JVM's footprint at one moment: heap used after a forced GC, live and peak platform threads
 * (virtual threads are not counted by {@link java.lang.management.ThreadMXBean}), open file
 * descriptors, and the platform threads grouped by name with their number folded ({@code pool-7-thread-#}),
 * so growth can be traced to its owner; threads running the in-memory Temporal test server's code are
 * counted apart.
 *
 * @param peakThreads the most platform threads alive since the last {@link #resetPeak()}
 */
record JvmCensus(long heapUsedBytes, long heapCommittedBytes, int threads, int peakThreads, int testServerThreads, long fds,
                 Map<String, Integer> threadGroups) {

    /** Frames of the in-memory Temporal test server (dev stack only; a real Temporal server is another process). */
    private static final String TEST_SERVER_FRAMES = "io.temporal.internal.testservice.";

    static void resetPeak() {
        ManagementFactory.getThreadMXBean().resetPeakThreadCount();
    }

    /** Forces a few full collections first, so the heap figure is what is live, not what is not yet collected. */
    static JvmCensus take() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        var memory = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        var threads = ManagementFactory.getThreadMXBean();
        Map<String, Integer> groups = new TreeMap<>();
        int testServer = 0;
        for (ThreadInfo info : threads.dumpAllThreads(false, false, 24)) {
            if (info != null) {
                groups.merge(group(info.getThreadName()), 1, Integer::sum);
                if (isTestServer(info)) {
                    testServer++;
                }
            }
        }
        return new JvmCensus(memory.getUsed(), memory.getCommitted(), threads.getThreadCount(), threads.getPeakThreadCount(),
                testServer, HeldCallLoad.openFds(), groups);
    }

    /**
     * The top {@code frames} frames of one live thread whose folded name is {@code group} (one running the
     * Temporal test server's code if there is one): whose threads they are.
     */
    static String sampleStack(String group, int frames) {
        ThreadInfo sample = null;
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false, 24)) {
            if (info != null && group(info.getThreadName()).equals(group)) {
                if (sample == null || isTestServer(info)) {
                    sample = info;
                }
                if (isTestServer(info)) {
                    break;
                }
            }
        }
        if (sample == null) {
            return group + ": none alive";
        }
        return sample.getThreadName() + " (" + sample.getThreadState() + "): " + Arrays.stream(sample.getStackTrace())
                .limit(frames)
                .map(f -> f.getClassName().replaceAll(".*\\.", "") + "." + f.getMethodName())
                .collect(Collectors.joining(" <- "));
    }

    private static boolean isTestServer(ThreadInfo info) {
        return Arrays.stream(info.getStackTrace()).anyMatch(f -> f.getClassName().startsWith(TEST_SERVER_FRAMES));
    }

    /**
     * The {@code top} classes by bytes on the heap (live objects: the histogram forces a full GC), as
     * {@code jcmd GC.class_histogram} prints them, or why they are not available.
     */
    static List<String> heapHistogram(int top) {
        try {
            String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return histogram.lines().limit(top + 2L).toList();
        } catch (javax.management.JMException | RuntimeException e) {
            return List.of("(no class histogram: " + e + ")");
        }
    }

    /** The folded name of the thread group that grew most since {@code before}, if any grew. */
    java.util.Optional<String> mostGrownSince(JvmCensus before) {
        return threadGroups.entrySet().stream()
                .filter(e -> e.getValue() > before.threadGroups.getOrDefault(e.getKey(), 0))
                .max(Comparator.comparingInt(e -> e.getValue() - before.threadGroups.getOrDefault(e.getKey(), 0)))
                .map(Map.Entry::getKey);
    }

    /** Platform threads other than the in-memory Temporal test server's. */
    int otherThreads() {
        return threads - testServerThreads;
    }

    private static String group(String threadName) {
        return threadName.replaceAll("\\d+$", "#");
    }

    double heapMib() {
        return heapUsedBytes / (1024.0 * 1024.0);
    }

    /** The thread groups that grew most since {@code before}, as {@code name +n}; "-" when none grew. */
    String grownSince(JvmCensus before, int top) {
        String grown = threadGroups.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.threadGroups.getOrDefault(e.getKey(), 0)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                .limit(top)
                .map(e -> e.getKey() + " +" + e.getValue())
                .collect(Collectors.joining(", "));
        return grown.isEmpty() ? "-" : grown;
    }
}
