package dev.vulcan.daemon.benchmark;

import dev.vulcan.api.Benchmark;
import dev.vulcan.api.BenchmarkProgress;
import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.BackendRegistry;
import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.workload.WorkloadService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the benchmark suite inside the daemon: for each backend, every {@link Metric} through Vulcan and then on
 * the backend's raw engine, one after another (never two measurements at once, they would skew each other). One
 * suite at a time per node.
 */
public final class BenchmarkRunner {

    private static final Logger log = LoggerFactory.getLogger(BenchmarkRunner.class);

    private final BackendRegistry backends;
    private final WorkloadService workloads;
    private final Subjects.Context context;
    private final Clock clock;
    private final ReentrantLock running = new ReentrantLock();

    public BenchmarkRunner(BackendRegistry backends, WorkloadService workloads, Path deno, Path isolateHostDir,
            dev.vulcan.daemon.image.ImageStore images, Path scratch, Clock clock) {
        this.backends = backends;
        this.workloads = workloads;
        this.context = new Subjects.Context(deno, isolateHostDir, images, scratch,
                tools.jackson.databind.json.JsonMapper.builder().build());
        this.clock = clock;
    }

    /** Removes what a daemon that died mid-benchmark left (bundles, their overlay, cgroups); call at start-up. */
    public void sweep() {
        try {
            dev.vulcan.daemon.benchmark.raw.RawBundles.sweep(context.scratch());
        } catch (IOException | RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("dir", context.scratch()).log("benchmark leftovers not swept");
        }
    }

    /**
     * The backends a plan will measure: the ones named, each of which must be available (else 422 with the
     * reason), or every available one. Call before streaming anything, so bad input gets its plain 4xx.
     */
    public List<Isolation> resolve(BenchmarkPlan plan) {
        if (!plan.backends().isEmpty()) {
            for (Isolation isolation : plan.backends()) {
                if (backends.entry(isolation).status() instanceof BackendStatus.Unavailable(String reason)) {
                    throw new UnavailableException("backend_unavailable", "cannot benchmark isolation '"
                            + isolation.wire() + "': it is not available on this node: " + reason);
                }
            }
            return plan.backends().stream().distinct().toList();
        }
        List<Isolation> available = backends.entries().stream().filter(e -> e.status().isAvailable())
                .map(BackendRegistry.Entry::isolation).toList();
        if (available.isEmpty()) {
            throw new UnavailableException("backend_unavailable", "no backend is available on this node");
        }
        return available;
    }

    /** Runs the suite, reporting each step before it starts; 409 when a suite already runs. */
    public Benchmark run(BenchmarkPlan plan, Consumer<BenchmarkProgress> progress) {
        List<Isolation> isolations = resolve(plan);
        if (!running.tryLock()) {
            throw new ConflictException("benchmark_running", "a benchmark is already running on this node");
        }
        try {
            long t0 = System.nanoTime();
            int cores = java.lang.Runtime.getRuntime().availableProcessors();
            int perBackend = 2 * Metric.values().length;
            int steps = perBackend * isolations.size();
            int[] step = {0};
            List<Benchmark.BackendFigures> results = new ArrayList<>();
            for (Isolation isolation : isolations) {
                BenchmarkPlan.Sizes sizes = plan.sizes(isolation, cores);
                results.add(measure(isolation, sizes, what -> progress.accept(
                        new BenchmarkProgress(++step[0], steps, isolation, what))));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            log.atInfo().addKeyValue("quick", plan.quick()).addKeyValue("backends", isolations)
                    .addKeyValue("seconds", Math.round(seconds)).log("benchmark finished");
            return new Benchmark(clock.instant().toString(), machine(), plan.quick(), Math.round(seconds * 10) / 10.0,
                    results);
        } finally {
            running.unlock();
        }
    }

    private Benchmark.BackendFigures measure(Isolation isolation, BenchmarkPlan.Sizes sizes, Consumer<String> step) {
        BackendRegistry.Entry entry = backends.entry(isolation);
        Backend backend = entry.backend().orElseThrow();
        String version = entry.status() instanceof BackendStatus.Available available ? available.version() : null;
        Subjects.Subject subject = Subjects.subject(isolation, sizes.holdMs());
        Subjects.prepare(isolation, backend);
        VulcanEngine vulcan = new VulcanEngine(subject, backend, workloads);
        List<Metric.Measured> ours = new ArrayList<>();
        for (Metric metric : Metric.values()) {
            step.accept(isolation.wire() + ": " + metric.key);
            ours.add(metric.measure(vulcan, sizes));
        }
        List<Metric.Measured> theirs = new ArrayList<>();
        String rawName = null;
        String noRaw = Subjects.noRawEngine(isolation);
        Optional<Engine> raw;
        try {
            raw = Subjects.raw(isolation, backend, context, sizes.holdMs());
        } catch (IOException | RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("isolation", isolation.wire()).log("raw engine could not be prepared");
            raw = Optional.empty();
            noRaw = "raw engine could not be prepared: " + e.getMessage();
        }
        try {
            for (Metric metric : Metric.values()) {
                step.accept((raw.isPresent() ? raw.get().name() : isolation.wire() + " (no raw engine)") + ": " + metric.key);
                theirs.add(raw.isPresent() ? metric.measure(raw.get(), sizes) : new Metric.Measured.NotApplicable(noRaw));
            }
            rawName = raw.map(Engine::name).orElse(null);
        } finally {
            raw.ifPresent(BenchmarkRunner::closeQuietly);
        }
        List<Benchmark.Figure> figures = new ArrayList<>();
        for (int i = 0; i < Metric.values().length; i++) {
            figures.add(figure(Metric.values()[i], ours.get(i), theirs.get(i)));
        }
        return new Benchmark.BackendFigures(isolation, version, rawName, figures);
    }

    static Benchmark.Figure figure(Metric metric, Metric.Measured ours, Metric.Measured theirs) {
        Benchmark.Summary vulcan = summary(ours);
        Benchmark.Summary raw = summary(theirs);
        Double ratio = vulcan != null && raw != null && raw.median() > 0
                ? Math.round(vulcan.median() / raw.median() * 1000) / 1000.0 : null;
        List<String> notes = new ArrayList<>();
        notes.add(metric.what);
        note(notes, "vulcan", ours);
        note(notes, "raw", theirs);
        return new Benchmark.Figure(metric.key, metric.unit, vulcan, raw, ratio, String.join("; ", notes));
    }

    private static Benchmark.Summary summary(Metric.Measured measured) {
        return measured instanceof Metric.Measured.Samples(List<Double> values, String detail) && !values.isEmpty()
                ? Summaries.of(values) : null;
    }

    private static void note(List<String> notes, String who, Metric.Measured measured) {
        switch (measured) {
            case Metric.Measured.Samples(List<Double> values, String detail) -> {
                if (detail != null) notes.add(who + ": " + detail);
            }
            case Metric.Measured.NotApplicable(String why) -> notes.add(who + ": " + why);
            case Metric.Measured.Failed(String error) -> notes.add(who + " failed: " + error);
        }
    }

    private static void closeQuietly(Engine engine) {
        try {
            engine.close();
        } catch (Exception e) {
            log.atWarn().setCause(e).addKeyValue("engine", engine.name()).log("raw engine cleanup failed");
        }
    }

    private static String machine() {
        String cpu = "unknown cpu";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
        } catch (IOException e) {
            // keep the default
        }
        return cpu + ", " + java.lang.Runtime.getRuntime().availableProcessors() + " cores";
    }
}
