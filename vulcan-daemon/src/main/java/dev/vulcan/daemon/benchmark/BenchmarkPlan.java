package dev.vulcan.daemon.benchmark;

import dev.vulcan.api.Isolation;
import java.util.List;

/**
 * What to run: which backends (empty: every available one) and how much. The sizes keep {@code quick} under two
 * minutes on a 2-core machine with every backend; a microVM boots for seconds under TCG, so its counts are smaller.
 */
public record BenchmarkPlan(boolean quick, List<Isolation> backends) {

    public BenchmarkPlan {
        backends = List.copyOf(backends);
        if (backends.contains(Isolation.AUTO)) {
            throw new IllegalArgumentException("auto is not a backend: name a concrete isolation");
        }
    }

    /** How many samples of each measurement, for one backend. */
    record Sizes(int cold, int warm, int memoryWorkloads, int helloTotal, int helloConcurrency, int cpuTotal,
            List<Integer> concurrentSteps, int holdMs) {}

    Sizes sizes(Isolation isolation, int cores) {
        int cpuConcurrency = Math.max(1, cores);
        boolean slow = isolation == Isolation.MICROVM;
        if (quick) {
            boolean isolate = isolation == Isolation.ISOLATE;
            return slow ? new Sizes(2, 0, 1, 2, 1, 1, List.of(1, 2), 1000)
                    : new Sizes(isolate ? 3 : 10, 30, 2, isolate ? 40 : 20, 4, cpuConcurrency, List.of(1, 5, 10), 1000);
        }
        return slow ? new Sizes(10, 0, 2, 10, 2, cpuConcurrency, List.of(1, 2, 4, 8), 2000)
                : new Sizes(isolation == Isolation.ISOLATE ? 10 : 50, 200, 4, 200, 8, 4 * cpuConcurrency,
                        List.of(1, 5, 10, 20, 50), 2000);
    }
}
