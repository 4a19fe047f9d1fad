package dev.vulcan.daemon.benchmark;

import dev.vulcan.daemon.backend.ProcessMemory;
import dev.vulcan.daemon.benchmark.raw.RawBundles;
import dev.vulcan.daemon.benchmark.raw.RawRuns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A container backend's raw engine: its OCI runtime, invoked exactly as the backend invokes it (crun through its
 * wrapper, runc, or runsc with its flags), {@code run --bundle} on bundles written by the daemon's own
 * BundleBuilder over the same image layers, timed from Java to the runtime's exit (see {@link RawRuns}).
 */
final class RawOci implements Engine {

    private static final String PREFIX = "vulcan-benchmark";

    private final String name;
    private final List<String> runtime;
    private final RawBundles bundles;
    private final Function<Job, List<String>> argv;
    private final Map<String, Path> made = new HashMap<>();

    RawOci(String name, List<String> runtime, RawBundles bundles, Function<Job, List<String>> argv) {
        this.name = name;
        this.runtime = List.copyOf(runtime);
        this.bundles = bundles;
        this.argv = argv;
    }

    @Override
    public String name() {
        return name;
    }

    /** One bundle per job and slot: a bundle's container may run under one id at a time. */
    private synchronized Path bundle(Job job, int slot) throws java.io.IOException {
        String key = job.name().toLowerCase(java.util.Locale.ROOT) + "-" + slot;
        Path bundle = made.get(key);
        if (bundle == null) {
            bundle = bundles.bundle(key, argv.apply(job));
            made.put(key, bundle);
        }
        return bundle;
    }

    @Override
    public List<Double> coldStartMs(int n) throws Exception {
        Path bundle = bundle(Job.HELLO, 0);
        RawRuns.once(runtime, bundle, PREFIX); // the first run pays the page cache
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ms.add(RawRuns.once(runtime, bundle, PREFIX));
        }
        return ms;
    }

    @Override
    public Optional<List<Double>> warmStartMs(int n) {
        return Optional.empty();
    }

    @Override
    public List<Double> memoryPerWorkloadMb(int k, int holdMs) throws Exception {
        List<Path> held = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            held.add(bundle(Job.HOLD, i));
        }
        List<Double> samples = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<RawRuns.Burst> burst = pool.submit(() -> RawRuns.burst(runtime, held, PREFIX));
            while (!burst.isDone()) {
                long bytes = ProcessMemory.cgroupBytes(bundles.cgroup());
                if (bytes > 0) {
                    samples.add(bytes / 1e6 / k);
                }
                Thread.sleep(Math.max(20, holdMs / 10));
            }
            RawRuns.Burst done = burst.get(5, TimeUnit.MINUTES);
            if (done.failures() > 0) {
                throw new IllegalStateException(done.failures() + " of " + k + " raw containers failed");
            }
        }
        if (samples.isEmpty()) {
            throw new IllegalStateException("no memory charged to " + bundles.cgroup() + " while the containers ran");
        }
        return Summaries.plateau(samples);
    }

    @Override
    public Concurrency concurrent(List<Integer> steps, int holdMs) throws Exception {
        int max = 0;
        List<String> detail = new ArrayList<>();
        for (int n : steps) {
            List<Path> held = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                held.add(bundle(Job.HOLD, i));
            }
            RawRuns.Burst burst = RawRuns.burst(runtime, held, PREFIX);
            if (burst.failures() > 0) {
                detail.add(n + ": " + burst.failures() + " failed");
                break;
            }
            max = n;
            detail.add(n + ": " + Math.round(burst.wallMs()) + " ms");
        }
        return new Concurrency(max, String.join(", ", detail));
    }

    @Override
    public double throughputPerS(Job job, int total, int concurrency) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> callers = new ArrayList<>();
            for (int slot = 0; slot < concurrency; slot++) {
                Path bundle = bundle(job, slot);
                callers.add(pool.submit(() -> {
                    while (next.getAndIncrement() < total) {
                        RawRuns.once(runtime, bundle, PREFIX);
                    }
                    return null;
                }));
            }
            for (Future<?> caller : callers) {
                caller.get(10, TimeUnit.MINUTES);
            }
        }
        return total / ((System.nanoTime() - t0) / 1e9);
    }

    @Override
    public void close() throws Exception {
        bundles.close();
    }
}
