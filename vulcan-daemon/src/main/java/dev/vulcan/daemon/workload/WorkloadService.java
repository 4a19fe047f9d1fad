package dev.vulcan.daemon.workload;

import com.github.f4b6a3.ulid.UlidFactory;
import dev.vulcan.api.Isolation;
import dev.vulcan.api.WorkloadStatus;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.BackendRegistry;
import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.BackendUnavailableException;
import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.logs.LiveLog;
import dev.vulcan.daemon.logs.LogStore;
import dev.vulcan.daemon.metrics.Metrics;
import dev.vulcan.daemon.net.SandboxNetworking;
import dev.vulcan.daemon.scheduler.AutoMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns workloads: validates and records them, hands them to a backend, and records how they
 * end. Every state change is persisted before it is acted on, so a restarted daemon knows what
 * was running.
 */
public final class WorkloadService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkloadService.class);

    private final WorkloadRepository repository;
    private final BackendRegistry backends;
    private final LogStore logs;
    private final Metrics metrics;
    private final LimitPolicy limits;
    private final Clock clock;
    private final String nodeId;
    private final SandboxNetworking networking;
    private final UlidFactory ids = UlidFactory.newMonotonicInstance();
    private final ConcurrentMap<String, Running> running = new ConcurrentHashMap<>();

    private record Running(WorkloadRecord record, Execution execution, CompletableFuture<WorkloadRecord> done) {}

    public WorkloadService(WorkloadRepository repository, BackendRegistry backends, LogStore logs, Metrics metrics,
            LimitPolicy limits, Clock clock, String nodeId) {
        this(repository, backends, logs, metrics, limits, clock, nodeId, SandboxNetworking.NONE);
    }

    public WorkloadService(WorkloadRepository repository, BackendRegistry backends, LogStore logs, Metrics metrics,
            LimitPolicy limits, Clock clock, String nodeId, SandboxNetworking networking) {
        this.networking = networking;
        this.repository = repository;
        this.backends = backends;
        this.logs = logs;
        this.metrics = metrics;
        this.limits = limits;
        this.clock = clock;
        this.nodeId = nodeId;
    }

    /**
     * Marks workloads that were running when the daemon last stopped as failed: their sandboxes
     * died with it. Call once at start-up, before serving.
     */
    public int failInterrupted() {
        int count = repository.failUnfinished("daemon_restarted",
                "daemon restarted while the workload was running", clock.instant());
        if (count > 0) {
            log.atWarn().addKeyValue("count", count).log("marked workloads interrupted by a daemon restart as failed");
        }
        return count;
    }

    /**
     * Records and starts a workload. The returned future completes with the final record; the
     * record returned by {@link Submitted#record()} is the one as started.
     */
    public Submitted submit(WorkloadSpec spec) {
        Limits applied = limits.apply(spec);
        // a backend auto prefers must be available and, when the workload joins a network, able to join it
        AutoMode.Source source = spec.codeArchive() != null ? new AutoMode.Source.Archive(spec.runtime())
                : AutoMode.Source.of(spec.runtime());
        AutoMode.Decision decision = AutoMode.decide(spec.isolation(), source, isolation -> {
            BackendRegistry.Entry entry = backends.entry(isolation);
            return entry.status().isAvailable()
                    && (spec.network() == null || entry.backend().map(Backend::joinsNetworks).orElse(false));
        });
        Isolation used = decision.isolation();
        if (spec.isolation() == Isolation.AUTO) {
            log.atDebug().addKeyValue("isolation_used", used.wire()).addKeyValue("why", decision.reason())
                    .log("auto isolation resolved");
        }
        Backend backend = availableBackend(used);
        if (!backend.runtimes().contains(spec.runtime())) {
            throw new dev.vulcan.daemon.error.InvalidException("runtime_not_supported", "isolation '" + used.wire()
                    + "' cannot run runtime '" + spec.runtime().wire() + "' (it runs: "
                    + backend.runtimes().stream().map(r -> r.wire()).sorted().toList() + ")");
        }
        backend.unsupported(spec.sandbox()).ifPresent(why -> {
            throw new dev.vulcan.daemon.error.UnavailableException("unsupported_option", why);
        });
        if (spec.network() != null && !backend.joinsNetworks()) {
            throw new dev.vulcan.daemon.error.InvalidException("network_not_supported", "isolation '" + used.wire()
                    + "' cannot join a network: use network none");
        }
        backend.prepare(spec.runtime());
        backend.admit(spec.runtime(), applied, spec.codeArchive());
        String id = ids.create().toString();
        ExecutionRequest.Sandbox sandbox = spec.sandbox();
        if (spec.network() != null) {
            sandbox = sandbox.withNetwork(attach(id, spec.network()));
        }
        WorkloadRecord record = new WorkloadRecord(id, WorkloadStatus.PENDING, spec.isolation(),
                used, spec.runtime(), spec.image() == null ? null : spec.image().ref(),
                spec.image() == null ? null : spec.image().asRequested(), nodeId, sha256(spec.inputJson()),
                spec.inputJson(), spec.code(), null, null, null, null, null, applied, null, clock.instant(), null, null)
                .running(clock.instant());
        repository.insert(record);
        LiveLog live = logs.open(record.id());
        CompletableFuture<WorkloadRecord> done = new CompletableFuture<>();
        Execution execution;
        long startedNanos = System.nanoTime();
        try {
            execution = backend.start(new ExecutionRequest(record.id(), spec.runtime(), spec.code(), spec.inputJson(),
                    applied, spec.image(), sandbox, spec.codeArchive()), live);
        } catch (RuntimeException e) {
            String why = e instanceof BackendUnavailableException ? "backend_unavailable" : "backend_error";
            if (!(e instanceof BackendUnavailableException)) {
                log.atError().setCause(e).addKeyValue("id", record.id()).log("backend failed to start a workload");
            }
            if (sandbox.network() != null) detach(record.id());
            WorkloadRecord failed = record.failedBeforeStart(why, e.getMessage(), clock.instant());
            repository.update(failed);
            logs.close(record.id());
            metrics.workloadEndedUnrun(used.wire(), spec.runtime().wire(), failed.status().wire());
            done.complete(failed);
            return new Submitted(failed, done);
        }
        metrics.workloadStarted(used.wire(), spec.runtime().wire());
        running.put(record.id(), new Running(record, execution, done));
        boolean networked = sandbox.network() != null;
        execution.outcome().whenComplete((outcome, error) -> {
            observeStart(record, execution, startedNanos);
            finish(record, networked, outcome, error, done);
        });
        return new Submitted(record, done);
    }

    /** Joins the workload's sandbox to a network; its id, lower-cased, names the network namespace. */
    private dev.vulcan.daemon.backend.NetworkJoin attach(String id, String network) {
        try {
            return networking.attach(sandboxId(id), network, sandboxId(id), false, List.of());
        } catch (IOException e) {
            throw new UnavailableException("network_attach_failed", "cannot attach the workload to network "
                    + network + ": " + e.getMessage());
        }
    }

    private void detach(String id) {
        try {
            networking.detach(sandboxId(id));
        } catch (IOException | RuntimeException e) {
            log.atWarn().addKeyValue("id", id).addKeyValue("error", e.getMessage())
                    .log("could not take a workload off its network; the next start-up retries");
        }
    }

    private static String sandboxId(String id) {
        return id.toLowerCase(java.util.Locale.ROOT);
    }

    /** A workload as just started, and its final record to come. */
    public record Submitted(WorkloadRecord record, CompletableFuture<WorkloadRecord> done) {}

    /** @param networked whether the workload joined a network (only then is there anything to take down) */
    private void finish(WorkloadRecord record, boolean networked, Outcome outcome, Throwable error,
            CompletableFuture<WorkloadRecord> done) {
        if (outcome == null) {
            outcome = new Outcome.Failed("internal", "backend error: " + error, null,
                    Duration.between(record.startedAt(), clock.instant()));
        }
        WorkloadRecord ended = record.finished(outcome, clock.instant());
        try {
            if (networked) detach(record.id());
            repository.update(ended);
        } finally {
            running.remove(record.id());
            logs.close(record.id());
            metrics.workloadFinished(record.isolationUsed().wire(), record.runtime().wire(), ended.status().wire(),
                    outcome.elapsed());
            log.atInfo().addKeyValue("id", record.id()).addKeyValue("status", ended.status().wire())
                    .addKeyValue("reason", ended.reason()).addKeyValue("ms", ended.durationMs())
                    .log("workload finished");
            done.complete(ended);
        }
    }

    /** The start histogram: the backend's start moment, or start() to the outcome when it cannot tell one. */
    private void observeStart(WorkloadRecord record, Execution execution, long startedNanos) {
        try {
            dev.vulcan.daemon.backend.SandboxStart start = execution.sandboxStart();
            Duration latency = start.latency() != null ? start.latency() : Duration.ofNanos(System.nanoTime() - startedNanos);
            metrics.sandboxStarted(record.isolationUsed().wire(), record.runtime().wire(), start.kind().wire(), latency);
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("id", record.id()).log("could not observe the sandbox start");
        }
    }

    public WorkloadRecord get(String id) {
        return repository.find(id).orElseThrow(() -> notFound(id));
    }

    public List<WorkloadRecord> list(WorkloadRepository.Query query) {
        return repository.list(query);
    }

    /** Kills a running workload and returns its final record. */
    public WorkloadRecord kill(String id) {
        Running run = running.get(id);
        if (run == null) {
            WorkloadRecord record = get(id);
            throw new ConflictException("not_running",
                    "workload " + id + " is not running (status " + record.status().wire() + ")");
        }
        run.execution().kill("killed", "killed by request");
        try {
            return run.done().get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("workload " + id + " did not stop within 10 s of being killed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + id);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The final record of a workload once it ends (at once when it already has). */
    public CompletableFuture<WorkloadRecord> whenDone(String id) {
        Running run = running.get(id);
        return run != null ? run.done() : CompletableFuture.completedFuture(get(id));
    }

    /** Counts by status, and per isolation the count and latency of completed workloads. */
    public dev.vulcan.api.Stats stats() {
        java.util.Map<WorkloadStatus, Long> byStatus = new java.util.EnumMap<>(WorkloadStatus.class);
        for (WorkloadStatus status : WorkloadStatus.values()) {
            byStatus.put(status, 0L);
        }
        byStatus.putAll(repository.countByStatus());
        long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
        List<dev.vulcan.api.Stats.IsolationStats> perIsolation = repository.durationsByIsolation().stream()
                .map(d -> {
                    List<Long> ms = d.completedMs();
                    Double avg = ms.isEmpty() ? null : ms.stream().mapToLong(Long::longValue).average().orElse(0);
                    return new dev.vulcan.api.Stats.IsolationStats(d.isolation(), d.count(), ms.size(), avg,
                            percentile(ms, 0.50), percentile(ms, 0.99));
                })
                .toList();
        return new dev.vulcan.api.Stats(total, byStatus, perIsolation);
    }

    private static Long percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return null;
        }
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** Workloads running now, for capacity reporting. */
    public List<WorkloadRecord> runningNow() {
        return running.values().stream().map(Running::record).toList();
    }

    private Backend availableBackend(Isolation isolation) {
        BackendRegistry.Entry entry = backends.entry(isolation);
        if (entry.status() instanceof BackendStatus.Unavailable(String reason)) {
            throw new UnavailableException("backend_unavailable",
                    "isolation '" + isolation.wire() + "' is not available on this node: " + reason);
        }
        return entry.backend().orElseThrow();
    }

    private static NotFoundException notFound(String id) {
        return new NotFoundException("workload_not_found", "no workload with id " + id);
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return "sha256:" + HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kills what still runs; the backends themselves are closed by their owner. */
    @Override
    public void close() {
        running.values().forEach(r -> r.execution().kill("killed", "daemon shutting down"));
        for (Running run : running.values()) {
            try {
                run.done().get(5, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                log.atWarn().addKeyValue("id", run.record().id()).log("workload did not end within 5 s of shutdown");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
