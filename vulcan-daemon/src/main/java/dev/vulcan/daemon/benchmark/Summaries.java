package dev.vulcan.daemon.benchmark;

import dev.vulcan.api.Benchmark;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Samples to min / median / p99 (nearest rank). */
final class Summaries {
    private Summaries() {}

    static Benchmark.Summary of(List<Double> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return new Benchmark.Summary(sorted.size(), round(sorted.getFirst()), round(rank(sorted, 0.5)),
                round(rank(sorted, 0.99)));
    }

    static Benchmark.Summary single(double value) {
        return of(List.of(value));
    }

    /**
     * The samples taken while every sandbox held: those of at least half the peak. Samples taken while sandboxes
     * were still starting or already ending would understate the memory per workload.
     */
    static List<Double> plateau(List<Double> samples) {
        double peak = samples.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return samples.stream().filter(v -> v >= peak / 2).toList();
    }

    private static double rank(List<Double> sorted, double q) {
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
