package dev.vulcan.api;

/**
 * One step of a running benchmark (event {@code progress} of GET /v1/stats/benchmark as Server-Sent Events).
 *
 * @param step  1-based number of this step among {@code steps}
 * @param what  what the step measures ("container: cold start", "raw crun run: cold start")
 */
public record BenchmarkProgress(int step, int steps, Isolation isolation, String what) {}
