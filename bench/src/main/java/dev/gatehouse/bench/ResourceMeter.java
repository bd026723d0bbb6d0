package dev.gatehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a phase spent of the machine, to tell what bounds its throughput: the whole machine's CPU (from
 * {@code /proc/stat}, so other work on the machine counts too), the brokers', PostgreSQL's (its postmaster
 * and backends) and this JVM's (the load generator's) CPU time, and PostgreSQL's committed transactions (from
 * {@code pg_stat_database}, which the server updates about every half second, so a phase's count is close, not exact).
 * Not thread-safe.
 */
final class ResourceMeter {

    /** Counters at one moment; a phase is the difference of two. */
    record Reading(long machineBusyTicks, long machineTicks, Duration brokers, Duration postgres, Duration loadGenerator, long commits) {
    }

    /** What a phase spent, per second of it and per call. */
    record Spend(double machineBusy, double brokersCpuMsPerCall, double postgresCpuMsPerCall, double loadCpuMsPerCall,
                 double commitsPerCall) {
    }

    private final String jdbcUrl;
    private final long postmasterPid;
    private final Supplier<List<Duration>> brokerCpu;

    /** @param brokerCpu the CPU time of every broker process so far */
    ResourceMeter(String jdbcUrl, Supplier<List<Duration>> brokerCpu) {
        this.jdbcUrl = jdbcUrl;
        this.brokerCpu = brokerCpu;
        this.postmasterPid = postmaster(jdbcUrl).map(ProcessHandle::pid).orElse(-1L);
    }

    Reading read() {
        long[] machine = machineTicks();
        Duration brokers = brokerCpu.get().stream().reduce(Duration.ZERO, Duration::plus);
        Duration postgres = ProcessHandle.of(postmasterPid).map(ResourceMeter::treeCpu).orElse(Duration.ZERO);
        Duration self = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
        return new Reading(machine[0], machine[1], brokers, postgres, self, commits());
    }

    static Spend spent(Reading before, Reading after, long calls) {
        double perCall = Math.max(1, calls);
        long ticks = after.machineTicks() - before.machineTicks();
        return new Spend(ticks == 0 ? Double.NaN : (double) (after.machineBusyTicks() - before.machineBusyTicks()) / ticks,
                after.brokers().minus(before.brokers()).toNanos() / 1e6 / perCall,
                after.postgres().minus(before.postgres()).toNanos() / 1e6 / perCall,
                after.loadGenerator().minus(before.loadGenerator()).toNanos() / 1e6 / perCall,
                (after.commits() - before.commits()) / perCall);
    }

    /** Whether PostgreSQL's processes were found (their CPU is reported as zero otherwise). */
    boolean seesPostgres() {
        return postmasterPid > 0;
    }

    /** {@code cpu} line of {@code /proc/stat}: busy ticks (all but idle and iowait) and all ticks. */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    private long commits() {
        try (Connection db = DriverManager.getConnection(jdbcUrl); Statement query = db.createStatement();
             ResultSet row = query.executeQuery("select sum(xact_commit) from pg_stat_database")) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            return 0;
        }
    }

    /** The postmaster listening on the JDBC URL's port: zonky starts it with {@code -p <port>}. */
    private static Optional<ProcessHandle> postmaster(String jdbcUrl) {
        String port = jdbcUrl.replaceAll("^jdbc:postgresql://[^:/]+:(\\d+)/.*$", "$1");
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .filter(p -> p.info().arguments().map(List::of).map(a -> {
                    int i = a.indexOf("-p");
                    return i >= 0 && i + 1 < a.size() && a.get(i + 1).equals(port);
                }).orElse(false))
                .findFirst();
    }

    /** A process's CPU time and its live children's (PostgreSQL's backends, checkpointer, WAL writer). */
    private static Duration treeCpu(ProcessHandle root) {
        return root.descendants().map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
                .reduce(root.info().totalCpuDuration().orElse(Duration.ZERO), Duration::plus);
    }
}
