package dev.vulcan.daemon.backend;

import java.time.Duration;

/** Validated limits of one execution. */
public record Limits(int cpus, int memMb, Duration timeout) {
    public Limits {
        if (cpus < 1) throw new IllegalArgumentException("cpus must be at least 1");
        if (memMb < 1) throw new IllegalArgumentException("mem_mb must be at least 1");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
    }
}
