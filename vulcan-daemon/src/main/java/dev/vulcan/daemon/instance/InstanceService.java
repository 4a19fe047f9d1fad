package dev.vulcan.daemon.instance;

import com.github.f4b6a3.ulid.UlidCreator;
import dev.vulcan.api.InstanceStatus;
import dev.vulcan.api.InstancesPost;
import dev.vulcan.daemon.backend.BackendUnavailableException;
import dev.vulcan.daemon.backend.ExecProcess;
import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.net.SandboxNetworking;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Long-lived instances: their lifecycle (create, start, stop, restart, remove), persistence and restart
 * policies. Runs outlive the daemon; {@link #reconcile()} at start-up adopts what still runs, records what
 * ended meanwhile (restarting it when its policy says so) and cleans what is lost or unknown.
 *
 * <p>Every transition of one instance happens under its lock; waiting for a run to end never does.
 */
public final class InstanceService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InstanceService.class);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A run that lasted this long resets the backoff, as Docker does. */
    private static final Duration STABLE_RUN = Duration.ofSeconds(10);

    private final InstanceRepository repository;
    private final InstanceDriver driver;
    private final ImageStore images;
    private final Volumes volumes;
    private final SandboxNetworking networking;
    private final Clock clock;
    private final String nodeId;
    private final int machineCpus;
    private final long machineMemMb;
    private final ReentrantLock createLock = new ReentrantLock();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** Per running instance: completes when the current run has ended and been recorded. */
    private final Map<String, CompletableFuture<Void>> runs = new ConcurrentHashMap<>();
    private final Map<String, Integer> backoffSteps = new ConcurrentHashMap<>();
    private final Set<Thread> pendingRestarts = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public InstanceService(InstanceRepository repository, InstanceDriver driver, ImageStore images, Volumes volumes,
            SandboxNetworking networking, Clock clock, String nodeId, int machineCpus, long machineMemMb) {
        this.networking = networking;
        this.repository = repository;
        this.driver = driver;
        this.images = images;
        this.volumes = volumes;
        this.clock = clock;
        this.nodeId = nodeId;
        this.machineCpus = machineCpus;
        this.machineMemMb = machineMemMb;
        driver.onExit(id -> Thread.ofVirtual().name("instance-exit-" + id).start(() -> ended(id)));
    }

    public String nodeId() {
        return nodeId;
    }

    /** Validates the spec, records the instance as created; the image must be in the store. */
    public InstanceRecord create(InstancesPost post) throws IOException {
        InstanceSpec spec = InstanceSpec.from(post, machineCpus, machineMemMb);
        images.get(spec.image());
        if (spec.network() != null) networking.requireNetwork(spec.network());
        createLock.lock();
        try {
            if (repository.byName(spec.name()).isPresent()) {
                throw new ConflictException("name_in_use", "an instance named " + spec.name() + " already exists");
            }
            for (VolumeSpec v : spec.volumes()) {
                if (v instanceof VolumeSpec.Named named) volumes.ensure(named.name());
            }
            // stored with the image's full reference, as workloads show it
            InstancesPost stored = new InstancesPost(post.name(), spec.image().toString(), post.cmd(), post.args(),
                    post.env(), post.volumes(), post.restart(), post.resources(), post.network(), post.ports(),
                    spec.isolation().wire());
            InstanceRecord record = new InstanceRecord(UlidCreator.getMonotonicUlid().toString().toLowerCase(Locale.ROOT),
                    spec.name(), stored, InstanceStatus.CREATED, false, null, null, 0, null, clock.instant(), null, null);
            repository.insert(record);
            log.atInfo().addKeyValue("instance", record.name()).addKeyValue("id", record.id()).log("instance created");
            return record;
        } finally {
            createLock.unlock();
        }
    }

    public InstanceRecord get(String name) {
        return repository.byName(name).orElseThrow(() -> new NotFoundException("instance_not_found",
                "no instance named " + name));
    }

    public List<InstanceRecord> list() {
        return repository.all();
    }

    /** Starts the instance; a running one is left as it is. */
    public InstanceRecord start(String name) throws IOException {
        InstanceRecord record = get(name);
        return locked(record.id(), () -> startLocked(fresh(record.id())));
    }

    private InstanceRecord startLocked(InstanceRecord record) throws IOException {
        if (record.status() == InstanceStatus.RUNNING) {
            return record;
        }
        InstanceSpec spec = spec(record);
        images.get(spec.image());
        // a leftover of a run whose end was missed must not hold the ports this run publishes
        networking.detach(record.id());
        NetworkJoin network = spec.network() == null ? null
                : networking.attach(record.id(), spec.network(), spec.name(), true, spec.ports());
        InstanceDriver.Launch launch = new InstanceDriver.Launch(spec.command(), spec.env(),
                spec.volumes().stream().map(volumes::mount).toList(),
                new InstanceDriver.Limits(spec.memMb(), spec.cpus(), spec.pids()), network, spec.isolation());
        runs.put(record.id(), new CompletableFuture<>());
        long pid;
        try {
            pid = driver.start(record.id(), launch);
        } catch (BackendUnavailableException e) {
            runs.remove(record.id()).complete(null);
            networking.detach(record.id());
            throw new UnavailableException("backend_unavailable", e.getMessage());
        } catch (IOException e) {
            runs.remove(record.id()).complete(null);
            networking.detach(record.id());
            repository.update(record.stopped(null, "start_failed", false, clock.instant()));
            throw new UnavailableException("start_failed", "instance " + record.name() + " did not start: " + e.getMessage());
        }
        InstanceRecord running = record.running(pid, clock.instant());
        repository.update(running);
        log.atInfo().addKeyValue("instance", record.name()).addKeyValue("pid", pid).log("instance running");
        return running;
    }

    /** Stops the instance: SIGTERM, then SIGKILL after {@code grace}. A stopped one is left as it is. */
    public InstanceRecord stop(String name, Duration grace) throws IOException {
        InstanceRecord record = get(name);
        endRun(record.id(), grace);
        return fresh(record.id());
    }

    public InstanceRecord restart(String name, Duration grace) throws IOException {
        InstanceRecord record = get(name);
        endRun(record.id(), grace);
        return start(name);
    }

    /** Removes the instance and all it has on the host; a running one only with {@code force}. */
    public InstanceRecord remove(String name, boolean force) throws IOException {
        InstanceRecord record = get(name);
        if (record.status() == InstanceStatus.RUNNING && !force) {
            throw new ConflictException("instance_running", "instance " + name + " is running: stop it first or force");
        }
        endRun(record.id(), Duration.ZERO);
        return locked(record.id(), () -> {
            InstanceRecord last = fresh(record.id());
            driver.remove(last.id());
            networking.detach(last.id());
            repository.delete(last.id());
            runs.remove(last.id());
            backoffSteps.remove(last.id());
            log.atInfo().addKeyValue("instance", name).log("instance removed");
            return last;
        });
    }

    /** Runs a process in the running instance; a stopped one is a conflict. */
    public ExecProcess exec(String name, ExecSpec spec) throws IOException {
        InstanceRecord record = get(name);
        if (record.status() != InstanceStatus.RUNNING) {
            throw new ConflictException("not_running", "instance " + name + " is " + record.status().wire()
                    + ": start it before exec");
        }
        try {
            return driver.exec(record.id(), spec);
        } catch (BackendUnavailableException e) {
            throw new UnavailableException("backend_unavailable", e.getMessage());
        }
    }

    /** Attaches to the running instance's console; only microVMs have one (their serial console). */
    public ExecProcess console(String name) throws IOException {
        InstanceRecord record = get(name);
        if (spec(record).isolation() != dev.vulcan.api.Isolation.MICROVM) {
            throw new ConflictException("console_unsupported", "instance " + name + " runs in isolation "
                    + spec(record).isolation().wire() + ": only microvm instances have a console (use exec)");
        }
        if (record.status() != InstanceStatus.RUNNING) {
            throw new ConflictException("not_running", "instance " + name + " is " + record.status().wire()
                    + ": start it before attaching to its console");
        }
        try {
            return driver.console(record.id());
        } catch (BackendUnavailableException e) {
            throw new UnavailableException("backend_unavailable", e.getMessage());
        }
    }

    /** Log lines of the instance from a byte offset of its log. */
    public InstanceDriver.LogChunk logs(String name, long from) throws IOException {
        return driver.logs(get(name).id(), from);
    }

    /** Marks the instance as not wanted running and ends its run, if any, waiting until it is recorded. */
    private void endRun(String id, Duration grace) throws IOException {
        CompletableFuture<Void> run = locked(id, () -> {
            InstanceRecord record = fresh(id);
            if (record.wantRunning()) repository.update(record.wanting(false));
            if (record.status() != InstanceStatus.RUNNING) return null;
            driver.signal(id, grace.isZero() ? "KILL" : "TERM");
            return runs.get(id);
        });
        if (run == null) return;
        if (!await(run, grace) && !grace.isZero()) {
            driver.signal(id, "KILL");
        }
        if (!await(run, KILL_WAIT)) {
            // the exit notice may have been missed: look for ourselves
            ended(id);
        }
    }

    private static boolean await(CompletableFuture<Void> run, Duration wait) {
        try {
            run.get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A run of the instance may have ended: record it, free what it held, restart it if its policy says so. */
    private void ended(String id) {
        try {
            locked(id, () -> {
                InstanceRecord record = repository.byId(id).orElse(null);
                if (record == null || record.status() != InstanceStatus.RUNNING) return null;
                InstanceDriver.RunState state = driver.state(id);
                Integer exitCode;
                String reason;
                switch (state) {
                    case InstanceDriver.RunState.Running r -> {
                        return null;
                    }
                    case InstanceDriver.RunState.Exited(int code, boolean oom) -> {
                        exitCode = code;
                        reason = oom ? "oom" : record.wantRunning() ? null : "stopped";
                    }
                    case InstanceDriver.RunState.Absent a -> {
                        exitCode = null;
                        reason = "monitor_lost";
                    }
                }
                try {
                    driver.release(id);
                    networking.detach(id);
                } catch (IOException | RuntimeException e) {
                    log.atWarn().setCause(e).addKeyValue("instance", record.name()).log("could not free an ended run");
                }
                InstanceRecord stopped = record.stopped(exitCode, reason, record.wantRunning(), clock.instant());
                repository.update(stopped);
                CompletableFuture<Void> run = runs.remove(id);
                if (run != null) run.complete(null);
                log.atInfo().addKeyValue("instance", record.name()).addKeyValue("exit_code", exitCode)
                        .addKeyValue("reason", reason).log("instance run ended");
                boolean failed = exitCode == null || exitCode != 0 || reason != null;
                if (stopped.wantRunning() && spec(stopped).restart().restartsAfter(failed)) {
                    scheduleRestart(stopped);
                }
                return null;
            });
        } catch (IOException | RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("instance", id).log("could not record the end of a run");
        }
    }

    private void scheduleRestart(InstanceRecord record) {
        boolean stable = record.startedAt() != null && record.finishedAt() != null
                && Duration.between(record.startedAt(), record.finishedAt()).compareTo(STABLE_RUN) >= 0;
        int step = stable ? 0 : backoffSteps.merge(record.id(), 1, Integer::sum) - 1;
        if (stable) backoffSteps.put(record.id(), 1);
        Duration delay = FIRST_BACKOFF.multipliedBy(1L << Math.min(step, 20));
        Duration wait = delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
        Thread restart = Thread.ofVirtual().name("instance-restart-" + record.name()).unstarted(() -> {
            try {
                Thread.sleep(wait);
                locked(record.id(), () -> {
                    InstanceRecord now = repository.byName(record.name()).orElse(null);
                    if (closed || now == null || !now.id().equals(record.id()) || !now.wantRunning()
                            || now.status() == InstanceStatus.RUNNING) {
                        return null;
                    }
                    InstanceRecord counted = now.restarted();
                    repository.update(counted);
                    return startLocked(counted);
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                log.atWarn().setCause(e).addKeyValue("instance", record.name()).log("restart failed");
            } finally {
                pendingRestarts.remove(Thread.currentThread());
            }
        });
        pendingRestarts.add(restart);
        restart.start();
    }

    /**
     * At start-up: adopts runs that still go on, records runs that ended while no daemon watched (restarting
     * them by policy), starts what a policy wants running, and removes what the host has of unknown instances.
     */
    public void reconcile() throws IOException {
        Set<String> onHost = new java.util.HashSet<>(driver.known());
        int adopted = 0;
        for (InstanceRecord record : repository.all()) {
            onHost.remove(record.id());
            if (record.status() == InstanceStatus.RUNNING) {
                runs.putIfAbsent(record.id(), new CompletableFuture<>());
                if (driver.state(record.id()) instanceof InstanceDriver.RunState.Running) {
                    adopted++;
                } else {
                    ended(record.id());
                }
            } else {
                driver.release(record.id());
                networking.detach(record.id());
                if (record.wantRunning() && spec(record).restart() != RestartPolicy.NO) {
                    scheduleRestart(record);
                }
            }
        }
        for (String unknown : onHost) {
            driver.remove(unknown);
        }
        log.atInfo().addKeyValue("adopted", adopted).addKeyValue("removed_unknown", onHost.size())
                .log("instances reconciled");
    }

    InstanceSpec spec(InstanceRecord record) {
        return InstanceSpec.from(record.spec(), Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    private InstanceRecord fresh(String id) {
        return repository.byId(id).orElseThrow(() -> new NotFoundException("instance_not_found", "the instance was removed meanwhile"));
    }

    private interface Step<T> {
        T run() throws IOException;
    }

    private <T> T locked(String id, Step<T> step) throws IOException {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        lock.lock();
        try {
            return step.run();
        } finally {
            lock.unlock();
        }
    }

    /** Instances keep running when the daemon stops (a restarted daemon adopts them); pending restarts end. */
    @Override
    public void close() {
        closed = true;
        pendingRestarts.forEach(Thread::interrupt);
    }
}
