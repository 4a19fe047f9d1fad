package dev.vulcan.daemon.backend.isolate;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.BackendTraits;
import dev.vulcan.daemon.backend.BackendUnavailableException;
import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Runtime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs JavaScript and TypeScript in V8 isolates: each workload gets a fresh Deno Worker with no
 * permissions, inside a supervised Deno host process that runs one workload at a time. Hosts are
 * pooled per memory limit because V8's heap cap is per process, and running out of it ends the
 * process: the blast radius of a runaway workload is its own host. Where a memory cgroup can be
 * used, each host also gets its own, limited to its baseline plus the workload's mem_mb, which
 * caps ArrayBuffer and Wasm memory too. A backend first ends what an earlier daemon killed with
 * -9 left behind in its run dir and cgroups.
 */
public final class IsolateBackend implements Backend {

    private static final Logger log = LoggerFactory.getLogger(IsolateBackend.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final IsolateConfig config;
    private final JsonMapper mapper = JsonMapper.builder().build();
    private final HostLauncher launcher;
    private final Map<Integer, HostPool> pools = new ConcurrentHashMap<>();
    private final Set<IsolateHost> alive = ConcurrentHashMap.newKeySet();
    private final AtomicInteger hostIndex = new AtomicInteger();
    private final AtomicLong executionIndex = new AtomicLong();
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("isolate-timer").factory());
    private final ExecutorService callbacks = Executors.newVirtualThreadPerTaskExecutor();
    private volatile BackendStatus status;
    private volatile long probedAtNanos;
    private volatile boolean closed;

    /** Probes for a memory cgroup hierarchy, then sweeps what an earlier daemon left in the run dir. */
    public IsolateBackend(IsolateConfig config) {
        this(config, CgroupMemory.detect());
    }

    IsolateBackend(IsolateConfig config, CgroupMemory memory) {
        this.config = config;
        this.launcher = new HostLauncher(config, memory);
        LeftoverHosts.sweep(config.runDir(), memory, launcher.groupPrefix());
        log.atInfo().addKeyValue("memory_enforcement", memory.enforcement()).log("isolate backend created");
        long interval = config.healthCheckInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::checkHealth, interval, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public Isolation isolation() {
        return Isolation.ISOLATE;
    }

    @Override
    public Set<Runtime> runtimes() {
        return Set.of(Runtime.JAVASCRIPT, Runtime.TYPESCRIPT);
    }

    /** How long a failed probe stands before the next call probes again (the binary may be mid-install). */
    static final Duration UNAVAILABLE_RECHECK = Duration.ofSeconds(10);

    @Override
    public BackendStatus probe() {
        BackendStatus known = status;
        if (known == null || (!known.isAvailable() && System.nanoTime() - probedAtNanos > UNAVAILABLE_RECHECK.toNanos())) {
            synchronized (this) {
                if (status == known) {
                    status = DenoProbe.probe(config, launcher.details());
                    probedAtNanos = System.nanoTime();
                    log.atInfo().addKeyValue("available", status.isAvailable()).addKeyValue("status", status)
                            .log("isolate backend probed");
                }
                known = status;
            }
        }
        return known;
    }

    @Override
    public BackendTraits traits() {
        return new BackendTraits("none", "none", "process + V8 isolate (Deno permissions: none)");
    }

    @Override
    public Execution start(ExecutionRequest request, LogSink logs) {
        String lang = switch (request.runtime()) {
            case JAVASCRIPT -> "js";
            case TYPESCRIPT -> "ts";
            case PYTHON, GO, SHELL, OCI -> throw new IllegalArgumentException(
                    "the isolate backend runs JavaScript and TypeScript, not " + request.runtime().wire());
        };
        if (closed) {
            throw new BackendUnavailableException("the isolate backend is closed");
        }
        if (probe() instanceof BackendStatus.Unavailable(String reason)) {
            throw new BackendUnavailableException("the isolate backend is unavailable: " + reason);
        }
        HostPool pool = pools.computeIfAbsent(request.limits().memMb(),
                memMb -> new HostPool(memMb, config, this::newHost, scheduler));
        IsolateExecution execution = new IsolateExecution(Long.toString(executionIndex.incrementAndGet()), request,
                lang, logs, pool, callbacks);
        pool.submit(execution);
        if (closed) {
            pool.close();
        }
        return execution;
    }

    /** Host processes by state (a host is one pooled sandbox: a Deno process with a blank Worker), and their RSS. */
    @Override
    public dev.vulcan.daemon.backend.BackendUsage usage() {
        int idle = 0, busy = 0, starting = 0;
        long rss = 0;
        for (IsolateHost host : hosts()) {
            switch (host.state()) {
                case IDLE -> idle++;
                case BUSY -> busy++;
                case STARTING, WARMING -> starting++;
                case CLOSED -> { continue; }
            }
            rss += dev.vulcan.daemon.backend.ProcessMemory.rssBytes(host.pid());
        }
        return new dev.vulcan.daemon.backend.BackendUsage(true, idle, busy, starting, rss);
    }

    /** Every host process currently alive, for tests and diagnostics. */
    List<IsolateHost> hosts() {
        return pools.values().stream().flatMap(p -> p.hosts().stream()).toList();
    }

    /** How hosts are started, named and confined, for tests. */
    HostLauncher launcher() {
        return launcher;
    }

    private IsolateHost newHost(int memMb, IsolateHost.Events events) {
        return new IsolateHost(hostIndex.incrementAndGet(), memMb, launcher, config.runDir(), events, scheduler,
                alive, mapper);
    }

    private void checkHealth() {
        for (HostPool pool : pools.values()) {
            try {
                pool.checkHealth();
            } catch (RuntimeException e) {
                log.atWarn().setCause(e).log("isolate health check failed");
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pools.values().forEach(HostPool::close);
        // Retired hosts are no longer in a pool but may still be ending.
        List<IsolateHost> ending = List.copyOf(alive);
        ending.forEach(IsolateHost::close);
        ending.forEach(host -> host.awaitExit(CLOSE_WAIT));
        scheduler.shutdownNow();
        callbacks.shutdown();
        launcher.close();
        // Hosts clean up after themselves; this catches what one that did not end in time left.
        LeftoverHosts.sweep(config.runDir(), launcher.memory(), launcher.groupPrefix());
        log.atInfo().log("isolate backend closed");
    }
}
