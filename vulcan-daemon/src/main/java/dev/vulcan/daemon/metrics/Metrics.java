package dev.vulcan.daemon.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/** The node's Prometheus metrics, in their own registry (no global default registry). */
public final class Metrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter workloadsFinished;
    private final Histogram workloadDuration;
    private final Gauge workloadsRunning;
    private final Gauge backendAvailable;
    private final Histogram httpDuration;
    private final Histogram startDuration;
    private final Gauge instancesRunning;
    private final Gauge poolSandboxes;
    private final Gauge memoryInUse;

    public Metrics() {
        workloadsFinished = Counter.builder()
                .name("vulcan_workloads_finished_total")
                .help("Workloads that reached a final status")
                .labelNames("isolation", "runtime", "status")
                .register(registry);
        workloadDuration = Histogram.builder()
                .name("vulcan_workload_duration_seconds")
                .help("Run time of finished workloads, from start to result")
                .labelNames("isolation", "runtime")
                .classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
                .register(registry);
        workloadsRunning = Gauge.builder()
                .name("vulcan_workloads_running")
                .help("Workloads running now")
                .labelNames("isolation", "runtime")
                .register(registry);
        startDuration = Histogram.builder()
                .name("vulcan_workload_start_seconds")
                .help("Time from a backend's start of a workload until its sandbox was handed the workload;"
                        + " start=cold: a sandbox made for it, start=warm: one taken ready from a pool")
                .labelNames("isolation", "runtime", "start")
                .classicOnly()
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        instancesRunning = Gauge.builder()
                .name("vulcan_instances_running")
                .help("Long-lived instances running now")
                .labelNames("isolation")
                .register(registry);
        poolSandboxes = Gauge.builder()
                .name("vulcan_pool_sandboxes")
                .help("Pooled sandboxes by state (idle: ready for a workload, busy, starting); only pooled backends")
                .labelNames("isolation", "state")
                .register(registry);
        memoryInUse = Gauge.builder()
                .name("vulcan_sandbox_memory_bytes")
                .help("Memory the backend's sandboxes use now (isolate: Deno host RSS, container/gvisor: their"
                        + " memory cgroups, microvm: QEMU RSS)")
                .labelNames("isolation")
                .unit(io.prometheus.metrics.model.snapshots.Unit.BYTES)
                .register(registry);
        backendAvailable = Gauge.builder()
                .name("vulcan_backend_available")
                .help("1 when the backend can run work on this node, else 0")
                .labelNames("isolation")
                .register(registry);
        httpDuration = Histogram.builder()
                .name("vulcan_http_request_duration_seconds")
                .help("Time to answer API requests")
                .labelNames("method", "route", "code")
                .classicOnly()
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30)
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    public void workloadStarted(String isolation, String runtime) {
        workloadsRunning.labelValues(isolation, runtime).inc();
    }

    /** How the workload's sandbox started: cold or warm, and how long it took. */
    public void sandboxStarted(String isolation, String runtime, String start, Duration elapsed) {
        startDuration.labelValues(isolation, runtime, start).observe(seconds(elapsed));
    }

    public void workloadFinished(String isolation, String runtime, String status, Duration elapsed) {
        workloadsRunning.labelValues(isolation, runtime).dec();
        workloadsFinished.labelValues(isolation, runtime, status).inc();
        workloadDuration.labelValues(isolation, runtime).observe(seconds(elapsed));
    }

    /** Counts a workload recorded as finished without running (e.g. interrupted by a restart). */
    public void workloadEndedUnrun(String isolation, String runtime, String status) {
        workloadsFinished.labelValues(isolation, runtime, status).inc();
    }

    public void backendAvailability(String isolation, boolean available) {
        backendAvailable.labelValues(isolation).set(available ? 1 : 0);
    }

    /** A backend's pool and memory as sampled now; a backend without a pool has no pool series. */
    public void backendUsage(String isolation, dev.vulcan.daemon.backend.BackendUsage usage) {
        if (usage.pooled()) {
            poolSandboxes.labelValues(isolation, "idle").set(usage.poolIdle());
            poolSandboxes.labelValues(isolation, "busy").set(usage.poolBusy());
            poolSandboxes.labelValues(isolation, "starting").set(usage.poolStarting());
        }
        if (usage.memoryBytes() >= 0) {
            memoryInUse.labelValues(isolation).set(usage.memoryBytes());
        }
    }

    public void instancesRunning(String isolation, long count) {
        instancesRunning.labelValues(isolation).set(count);
    }

    public void httpRequest(String method, String route, int code, Duration elapsed) {
        httpDuration.labelValues(method, route, Integer.toString(code)).observe(seconds(elapsed));
    }

    /** The Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
