package dev.vulcan.daemon.backend;

/**
 * What a backend holds right now, sampled for /metrics and the benchmark.
 *
 * @param poolIdle     pooled sandboxes ready for a workload (0 for backends without a pool)
 * @param poolBusy     pooled sandboxes running a workload
 * @param poolStarting pooled sandboxes still starting
 * @param memoryBytes  memory its sandboxes use now (RSS or cgroup usage), -1 when unknown
 */
public record BackendUsage(boolean pooled, int poolIdle, int poolBusy, int poolStarting, long memoryBytes) {

    /** A backend without a pool whose sandboxes use this much memory. */
    public static BackendUsage unpooled(long memoryBytes) {
        return new BackendUsage(false, 0, 0, 0, memoryBytes);
    }
}
