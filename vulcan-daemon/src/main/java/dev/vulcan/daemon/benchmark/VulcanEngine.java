package dev.vulcan.daemon.benchmark;

import dev.vulcan.api.Isolation;
import dev.vulcan.api.WorkloadStatus;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.workload.WorkloadRecord;
import dev.vulcan.daemon.workload.WorkloadService;
import dev.vulcan.daemon.workload.WorkloadSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend through Vulcan: every job is a real workload submitted to the WorkloadService (validated, recorded in
 * SQLite, run by the backend, its end recorded), timed from submit to its final record. The HTTP layer is not in
 * these figures: the suite runs inside the daemon.
 */
final class VulcanEngine implements Engine {

    private static final int MB = 1_000_000;

    private final Subjects.Subject subject;
    private final Backend backend;
    private final WorkloadService workloads;

    VulcanEngine(Subjects.Subject subject, Backend backend, WorkloadService workloads) {
        this.subject = subject;
        this.backend = backend;
        this.workloads = workloads;
    }

    @Override
    public String name() {
        return subject.isolation().wire();
    }

    /**
     * A pooled backend (isolate) keeps sandboxes per memory class, so each cold sample asks for a memory class no
     * pool has yet: a host process is started for it. Unpooled backends make a sandbox for every workload.
     */
    @Override
    public List<Double> coldStartMs(int n) throws Exception {
        run(subject.spec(Job.HELLO, null)); // warm-up: image import, page cache, JIT
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Integer memMb = subject.pooled() ? Subjects.COLD_MEMORY_CLASS + i : null;
            ms.add(timed(subject.spec(Job.HELLO, memMb)));
        }
        return ms;
    }

    @Override
    public Optional<List<Double>> warmStartMs(int n) throws Exception {
        if (!subject.pooled()) {
            return Optional.empty();
        }
        run(subject.spec(Job.HELLO, null));
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ms.add(timed(subject.spec(Job.HELLO, null)));
        }
        return Optional.of(ms);
    }

    @Override
    public List<Double> memoryPerWorkloadMb(int k, int holdMs) throws Exception {
        long before = quiet();
        List<CompletableFuture<WorkloadRecord>> held = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            held.add(workloads.submit(subject.spec(Job.HOLD, null)).done());
        }
        // sampled until the first ends: a slow sandbox (a microVM boots for seconds) may start late
        List<Double> samples = new ArrayList<>();
        while (held.stream().noneMatch(CompletableFuture::isDone)) {
            long now = backend.usage().memoryBytes();
            if (now > before) {
                samples.add((now - before) / (double) MB / k);
            }
            Thread.sleep(Math.max(20, holdMs / 10));
        }
        for (CompletableFuture<WorkloadRecord> h : held) {
            completed(h.get(5, TimeUnit.MINUTES)); // a failed workload is the better explanation than no samples
        }
        if (samples.isEmpty()) {
            throw new IllegalStateException("the backend reported no memory growth while " + k + " workloads held");
        }
        return Summaries.plateau(samples);
    }

    /**
     * The backend's memory once the previous step's sandboxes are gone (a workload's answer comes before its
     * sandbox is torn down: a microVM's QEMU may still be resident): nothing of an unpooled backend, the pooled
     * hosts all idle. Waits at most 10 s, then takes what there is.
     */
    private long quiet() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            dev.vulcan.daemon.backend.BackendUsage usage = backend.usage();
            boolean settled = usage.pooled() ? usage.poolBusy() == 0 && usage.poolStarting() == 0
                    : usage.memoryBytes() <= 0;
            if (settled || System.nanoTime() > deadline) {
                return Math.max(0, usage.memoryBytes());
            }
            Thread.sleep(50);
        }
    }

    @Override
    public Concurrency concurrent(List<Integer> steps, int holdMs) throws Exception {
        int max = 0;
        List<String> detail = new ArrayList<>();
        for (int n : steps) {
            long t0 = System.nanoTime();
            List<CompletableFuture<WorkloadRecord>> held = new ArrayList<>();
            String failure = null;
            try {
                for (int i = 0; i < n; i++) {
                    held.add(workloads.submit(subject.spec(Job.HOLD, null)).done());
                }
                for (CompletableFuture<WorkloadRecord> h : held) {
                    WorkloadRecord end = h.get(5, TimeUnit.MINUTES);
                    if (end.status() != WorkloadStatus.COMPLETED && failure == null) {
                        failure = end.status().wire() + " (" + end.reason() + ")";
                    }
                }
            } catch (RuntimeException e) {
                failure = e.getMessage();
                for (CompletableFuture<WorkloadRecord> h : held) {
                    h.get(5, TimeUnit.MINUTES); // what did start ends before the next figure
                }
            }
            if (failure != null) {
                detail.add(n + ": failed: " + failure);
                break;
            }
            max = n;
            detail.add(n + ": " + Math.round((System.nanoTime() - t0) / 1e6) + " ms");
        }
        return new Concurrency(max, String.join(", ", detail));
    }

    @Override
    public double throughputPerS(Job job, int total, int concurrency) throws Exception {
        WorkloadSpec spec = subject.spec(job, null);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> callers = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                callers.add(pool.submit(() -> {
                    while (next.getAndIncrement() < total) {
                        run(spec);
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

    private double timed(WorkloadSpec spec) throws Exception {
        long t0 = System.nanoTime();
        run(spec);
        return (System.nanoTime() - t0) / 1e6;
    }

    private void run(WorkloadSpec spec) throws Exception {
        completed(workloads.submit(spec).done().get(5, TimeUnit.MINUTES));
    }

    private static void completed(WorkloadRecord end) {
        if (end.status() != WorkloadStatus.COMPLETED) {
            throw new IllegalStateException("benchmark workload " + end.id() + " ended " + end.status().wire()
                    + " (" + end.reason() + ")");
        }
    }

    Isolation isolation() {
        return subject.isolation();
    }
}
