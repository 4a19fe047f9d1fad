package dev.vulcan.daemon.benchmark;

import java.util.List;
import java.util.Optional;

/**
 * Something the suite measures: a backend through Vulcan, or the raw engine it wraps. Both answer the same
 * questions with the same jobs, so each Vulcan figure has a raw figure to be divided by.
 */
sealed interface Engine extends AutoCloseable permits VulcanEngine, RawDeno, RawOci {

    /** How the report names it ("raw crun run", "isolate"). */
    String name();

    /** HELLO in a sandbox made for it, one after another: end-to-end latency in ms. */
    List<Double> coldStartMs(int n) throws Exception;

    /** HELLO in a sandbox taken ready from a pool; empty when this engine has no pool. */
    Optional<List<Double>> warmStartMs(int n) throws Exception;

    /** k HOLD jobs at once: the memory they add, per job, in MB, sampled while they hold. */
    List<Double> memoryPerWorkloadMb(int k, int holdMs) throws Exception;

    /** For each n in steps (ascending) n HOLD jobs at once until one step fails. */
    Concurrency concurrent(List<Integer> steps, int holdMs) throws Exception;

    /** total jobs with `concurrency` in flight: jobs per second. */
    double throughputPerS(Job job, int total, int concurrency) throws Exception;

    @Override
    default void close() throws Exception {}

    /** The largest step whose jobs all succeeded, and each step tried as "n: wall ms" (or the failure). */
    record Concurrency(int max, String detail) {}
}
