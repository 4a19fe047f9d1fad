package dev.vulcan.api;

/**
 * Limits asked for a workload. Any field may be null: the daemon applies its defaults
 * (1 cpu, 128 MB, 30 s, 1024 processes) and validates the result. pids caps the tasks
 * (processes and threads) of a container workload; other isolations ignore it.
 */
public record Resources(Integer cpus, Integer memMb, Integer timeoutS, Integer pids) {

    /** Limits without a task cap (the daemon's default). */
    public Resources(Integer cpus, Integer memMb, Integer timeoutS) {
        this(cpus, memMb, timeoutS, null);
    }

    public static Resources unset() {
        return new Resources(null, null, null, null);
    }
}
