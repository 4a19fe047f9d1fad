package dev.vulcan.api;

import java.util.List;
import java.util.Map;

/** Aggregates over the workloads this node has recorded. */
public record Stats(long total, Map<WorkloadStatus, Long> byStatus, List<IsolationStats> byIsolation) {

    /** Durations of completed workloads run under one isolation, in milliseconds. */
    public record IsolationStats(Isolation isolation, long count, long completed, Double avgMs, Long p50Ms, Long p99Ms) {}
}
