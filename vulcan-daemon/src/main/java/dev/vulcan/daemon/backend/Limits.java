package dev.vulcan.daemon.backend;

import java.time.Duration;

/**
 * Validated limits of one execution.
 *
 * @param pids the most tasks (processes and threads) a container may hold; backends without tasks ignore it
 */
public record Limits(int cpus, int memMb, Duration timeout, int pids) {

    /** The task cap when none is asked: enough for real programs, few enough to stop a fork bomb. */
    public static final int DEFAULT_PIDS = 1024;

    public Limits {
        if (cpus < 1) throw new IllegalArgumentException("cpus must be at least 1");
        if (memMb < 1) throw new IllegalArgumentException("mem_mb must be at least 1");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
        if (pids < 1) throw new IllegalArgumentException("pids must be at least 1");
    }

    /** Limits with the default task cap. */
    public Limits(int cpus, int memMb, Duration timeout) {
        this(cpus, memMb, timeout, DEFAULT_PIDS);
    }
}
