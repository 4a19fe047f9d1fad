package dev.vulcan.api;

/**
 * Limits asked for a workload. Any field may be null: the daemon applies its defaults
 * (1 cpu, 128 MB, 30 s) and validates the result.
 */
public record Resources(Integer cpus, Integer memMb, Integer timeoutS) {
    public static Resources unset() {
        return new Resources(null, null, null);
    }
}
