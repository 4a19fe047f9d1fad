package dev.vulcan.api;

import java.util.List;

/**
 * The result of the built-in benchmark suite (GET /v1/stats/benchmark): for each backend measured, the seed's
 * "Benchmarks to Capture" figures, each beside the same figure of the raw engine the backend wraps, measured in
 * the same run.
 *
 * @param quick   whether this was the short run
 * @param seconds how long the whole suite took
 */
public record Benchmark(String date, String machine, boolean quick, double seconds, List<BackendFigures> backends) {

    /**
     * One backend's figures.
     *
     * @param rawEngine what its figures are divided by ("raw crun run", "raw Deno Worker", ...), null when none
     */
    public record BackendFigures(Isolation isolation, String version, String rawEngine, List<Figure> figures) {}

    /**
     * One metric.
     *
     * @param metric cold_start_ms, warm_start_ms, memory_per_workload_mb, max_concurrent, hello_throughput_per_s,
     *               cpu_1s_throughput_per_s
     * @param vulcan the figure through Vulcan; null when it does not apply to this backend (see note)
     * @param raw    the same measurement on the raw engine; null when there is none
     * @param ratio  vulcan median / raw median (latency and memory: lower is better; throughput and concurrency:
     *               higher is better); null without both
     * @param note   what was measured, or why a figure is missing
     */
    public record Figure(String metric, String unit, Summary vulcan, Summary raw, Double ratio, String note) {}

    /** Samples summarised; a single figure (a throughput, a count) has n = 1 and min = median = p99. */
    public record Summary(int n, double min, double median, double p99) {}
}
