package dev.vulcan.daemon.benchmark;

import java.util.List;

/** The rows of the seed's "Benchmarks to Capture" table the suite measures, and how each is measured. */
enum Metric {
    COLD_START("cold_start_ms", "ms", "hello world in a sandbox made for it, end to end, one after another"),
    WARM_START("warm_start_ms", "ms", "hello world in a sandbox taken ready from a pool, end to end"),
    MEMORY("memory_per_workload_mb", "MB", "memory added per workload while several hold their sandbox"),
    MAX_CONCURRENT("max_concurrent", "workloads", "largest step of workloads started at once that all completed"),
    HELLO_THROUGHPUT("hello_throughput_per_s", "per s", "hello-world workloads per second, several in flight"),
    CPU_THROUGHPUT("cpu_1s_throughput_per_s", "per s", "1 s CPU-bound workloads per second, one in flight per core");

    final String key;
    final String unit;
    final String what;

    Metric(String key, String unit, String what) {
        this.key = key;
        this.unit = unit;
        this.what = what;
    }

    /** What one engine gave for one metric. */
    sealed interface Measured {
        record Samples(List<Double> values, String detail) implements Measured {}

        record NotApplicable(String why) implements Measured {}

        record Failed(String error) implements Measured {}
    }

    Measured measure(Engine engine, BenchmarkPlan.Sizes sizes) {
        try {
            return switch (this) {
                case COLD_START -> new Measured.Samples(engine.coldStartMs(sizes.cold()), null);
                case WARM_START -> engine.warmStartMs(sizes.warm())
                        .<Measured>map(v -> new Measured.Samples(v, null))
                        .orElse(new Measured.NotApplicable("no warm pool: every workload gets a new sandbox"));
                case MEMORY -> new Measured.Samples(engine.memoryPerWorkloadMb(sizes.memoryWorkloads(), sizes.holdMs()),
                        sizes.memoryWorkloads() + " at once");
                case MAX_CONCURRENT -> {
                    Engine.Concurrency c = engine.concurrent(sizes.concurrentSteps(), sizes.holdMs());
                    if (c.max() == 0) {
                        yield new Measured.Failed("not even one workload completed: " + c.detail());
                    }
                    yield new Measured.Samples(List.of((double) c.max()), "bound " + sizes.concurrentSteps().getLast()
                            + "; " + c.detail());
                }
                case HELLO_THROUGHPUT -> new Measured.Samples(List.of(engine.throughputPerS(Job.HELLO,
                        sizes.helloTotal(), sizes.helloConcurrency())),
                        sizes.helloTotal() + " at concurrency " + sizes.helloConcurrency());
                case CPU_THROUGHPUT -> new Measured.Samples(List.of(engine.throughputPerS(Job.CPU, sizes.cpuTotal(),
                        Math.min(sizes.cpuTotal(), Runtime.getRuntime().availableProcessors()))),
                        sizes.cpuTotal() + " jobs");
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Measured.Failed("interrupted");
        } catch (Exception e) {
            return new Measured.Failed(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
