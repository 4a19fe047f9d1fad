package dev.vulcan.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Latency samples in milliseconds, summarised as min / median / p99. */
record Samples(List<Double> ms) {

    Samples {
        ms = new ArrayList<>(ms);
        Collections.sort(ms);
    }

    double min() {
        return ms.getFirst();
    }

    double median() {
        return quantile(0.5);
    }

    double p99() {
        return quantile(0.99);
    }

    private double quantile(double q) {
        int index = (int) Math.ceil(q * ms.size()) - 1;
        return ms.get(Math.max(0, Math.min(ms.size() - 1, index)));
    }

    Summary summary() {
        return new Summary(ms.size(), min(), median(), p99());
    }

    record Summary(int n, double minMs, double medianMs, double p99Ms) {}
}
