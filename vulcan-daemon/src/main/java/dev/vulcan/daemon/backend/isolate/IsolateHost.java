package dev.vulcan.daemon.backend.isolate;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * One Deno host process and its socket, watched by one supervising virtual thread that starts
 * the process, reads every event it sends and reports how it ended.
 */
final class IsolateHost {

    /** What a host reports to its pool; called on the host's supervisor thread. */
    interface Events {
        /** The host has a blank worker booted: the next run starts at once. */
        void ready(IsolateHost host);

        /**
         * The execution got its result. stoppedWorker: the host had to stop the worker (timeout
         * or kill), which may still be running JavaScript.
         */
        void finished(IsolateHost host, IsolateExecution execution, boolean stoppedWorker);

        void died(IsolateHost host, HostExit exit);
    }

    /**
     * STARTING until the first "ready"; IDLE with a blank worker waiting; BUSY running one
     * workload; WARMING after a result until the next blank worker has booted; CLOSED at the end.
     */
    enum State { STARTING, IDLE, BUSY, WARMING, CLOSED }

    static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration EXIT_GRACE = Duration.ofSeconds(1);
    private static final int TAIL_LINES_IN_MESSAGES = 12;
    private static final Logger log = LoggerFactory.getLogger(IsolateHost.class);

    private final int index;
    private final long createdNanos = System.nanoTime();
    private final int memMb;
    private final HostLauncher launcher;
    private final Path runDir;
    private final Events events;
    private final ScheduledExecutorService scheduler;
    private final Set<IsolateHost> alive;
    private final JsonMapper mapper;
    private final OutputTail output = new OutputTail();
    private final AtomicLong pingSeq = new AtomicLong();
    private final AtomicLong pongSeq = new AtomicLong();
    private final AtomicLong runs = new AtomicLong();

    // Written under the pool's lock; read anywhere.
    private volatile State state = State.STARTING;
    private volatile IsolateExecution current;
    private volatile long idleSinceNanos = System.nanoTime();

    private volatile boolean doomed;
    private volatile boolean retireWhenDone;
    private volatile Process process;
    private volatile HostLauncher.Launched launched;
    private volatile ServerSocketChannel server;
    private volatile HostConnection connection;
    private volatile Thread supervisor;

    /**
     * @param alive every host whose supervisor has not finished, for the backend's close(); the
     *              host adds itself on start() and removes itself when it is cleaned up
     */
    IsolateHost(int index, int memMb, HostLauncher launcher, Path runDir, Events events,
            ScheduledExecutorService scheduler, Set<IsolateHost> alive, JsonMapper mapper) {
        this.index = index;
        this.memMb = memMb;
        this.launcher = launcher;
        this.runDir = runDir;
        this.events = events;
        this.scheduler = scheduler;
        this.alive = alive;
        this.mapper = mapper;
    }

    void start() {
        alive.add(this);
        supervisor = Thread.ofVirtual().name("isolate-host-" + index).start(this::supervise);
    }

    int memMb() {
        return memMb;
    }

    State state() {
        return state;
    }

    void state(State next) {
        state = next;
        if (next == State.IDLE) {
            idleSinceNanos = System.nanoTime();
        }
    }

    Duration idleFor() {
        return Duration.ofNanos(System.nanoTime() - idleSinceNanos);
    }

    IsolateExecution current() {
        return current;
    }

    void current(IsolateExecution execution) {
        current = execution;
    }

    /** Whether the host is being ended and must take no more work. */
    boolean doomed() {
        return doomed;
    }

    /** The ids of the Worker threads alive in the process (empty when unknown). */
    Set<Long> workerThreadIds() {
        Process p = process;
        return p == null ? Set.of() : WorkerThreads.of(p.pid());
    }

    /** Marks the host to be replaced once its current workload is done. */
    void retireWhenDone() {
        retireWhenDone = true;
    }

    boolean retiring() {
        return retireWhenDone;
    }

    /** The process id, or -1 before the process is spawned. */
    /** When this host was made (System.nanoTime), to tell a cold start from a warm one. */
    long createdNanos() {
        return createdNanos;
    }

    long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    void run(IsolateExecution execution) throws IOException {
        runs.incrementAndGet();
        send(execution.runCommand());
    }

    long runs() {
        return runs.get();
    }

    void kill(IsolateExecution execution) throws IOException {
        send(new HostCommand.Kill(execution.id()));
    }

    /** Pings the host; if no pong arrives within the deadline, the host is destroyed. */
    void ping(Duration deadline) {
        long seq = pingSeq.incrementAndGet();
        try {
            send(new HostCommand.Ping(seq));
        } catch (IOException e) {
            destroy("ping failed: " + e.getMessage());
            return;
        }
        scheduler.schedule(() -> {
            if (pongSeq.get() < seq && state != State.CLOSED) {
                destroy("no pong within " + deadline.toMillis() + " ms");
            }
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void send(HostCommand command) throws IOException {
        HostConnection c = connection;
        if (c == null) {
            throw new IOException("isolate host " + index + " is not connected");
        }
        c.send(command);
    }

    /** Ends the process now; the supervisor then reports the death to the pool. */
    void destroy(String why) {
        doomed = true;
        Process p = process;
        log.atWarn().addKeyValue("host", index).addKeyValue("pid", p == null ? -1 : p.pid())
                .addKeyValue("why", why).log("destroying isolate host");
        terminate();
    }

    /** Ends the process without reporting it as a failure: the pool has already let go of it. */
    void close() {
        doomed = true;
        state = State.CLOSED;
        terminate();
    }

    private void terminate() {
        HostLauncher.closeQuietly(server);
        HostConnection c = connection;
        if (c != null) {
            c.close();
        }
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    /** Waits until the supervisor has reaped the process. */
    void awaitExit(Duration timeout) {
        Thread t = supervisor;
        if (t == null) {
            return;
        }
        try {
            t.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void supervise() {
        Path socket = HostLauncher.socket(runDir, index);
        Thread drain = null;
        String startProblem = null;
        try {
            Files.createDirectories(runDir);
            server = HostLauncher.bind(socket);
            long spawned = System.nanoTime();
            launched = launcher.launch(index, memMb);
            Process p = launched.process();
            process = p;
            drain = Thread.ofVirtual().name("isolate-host-" + index + "-output")
                    .start(() -> output.drain(p.getInputStream(), line -> log.atDebug().addKeyValue("host", index)
                            .addKeyValue("pid", p.pid()).addKeyValue("line", line).log("isolate host output")));
            // accept() has no timeout: closing the server socket is what ends a start that hangs.
            p.onExit().thenRun(() -> HostLauncher.closeQuietly(server));
            ScheduledFuture<?> watchdog = scheduler.schedule(() -> {
                if (state == State.STARTING) destroy("not ready within " + START_TIMEOUT.toSeconds() + " s");
            }, START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (doomed) {
                terminate();
            }
            SocketChannel channel = server.accept();
            HostLauncher.closeQuietly(server);
            Files.deleteIfExists(socket);
            connection = new HostConnection(channel, mapper);
            if (!(connection.read() instanceof HostEvent.Ready ready)) {
                throw new IOException("isolate host closed its socket before it was ready");
            }
            watchdog.cancel(false);
            log.atInfo().addKeyValue("host", index).addKeyValue("pid", p.pid()).addKeyValue("mem_mb", memMb)
                    .addKeyValue("deno", ready.deno())
                    .addKeyValue("startup_ms", Duration.ofNanos(System.nanoTime() - spawned).toMillis())
                    .log("isolate host started");
            events.ready(this);
            for (HostEvent event = connection.read(); event != null; event = connection.read()) {
                handle(event);
            }
        } catch (IOException | RuntimeException e) {
            if (state == State.STARTING) {
                startProblem = whyNotStarted(e);
            }
            if (!doomed) {
                log.atDebug().setCause(e).addKeyValue("host", index).log("isolate host connection ended");
            }
        }
        HostExit exit = reap(socket, drain, startProblem);
        launcher.cleanUp(index, launched);
        alive.remove(this);
        events.died(this, exit);
    }

    private String whyNotStarted(Exception e) {
        Process p = process;
        if (doomed) {
            return "isolate host was not ready within " + START_TIMEOUT.toSeconds() + " s";
        }
        if (p != null && !p.isAlive()) {
            return "isolate host exited before it was ready";
        }
        return "isolate host failed to start: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }

    private void handle(HostEvent event) {
        switch (event) {
            case HostEvent.Log line -> {
                IsolateExecution execution = current;
                if (execution != null && execution.id().equals(line.id())) {
                    execution.log(line.stream(), line.line());
                }
            }
            case HostEvent.Result result -> {
                IsolateExecution execution = current;
                if (execution != null && execution.id().equals(result.id())) {
                    execution.completeWith(result);
                    boolean stopped = !result.ok()
                            && ("timeout".equals(result.reason()) || "killed".equals(result.reason()));
                    events.finished(this, execution, stopped);
                }
            }
            case HostEvent.Pong pong -> pongSeq.accumulateAndGet(pong.seq(), Math::max);
            case HostEvent.Ready ignored -> events.ready(this);
            case HostEvent.Unknown unknown ->
                    log.atDebug().addKeyValue("host", index).addKeyValue("type", unknown.type())
                            .log("ignoring unknown isolate host message");
        }
    }

    private HostExit reap(Path socket, Thread drain, String startProblem) {
        HostLauncher.closeQuietly(server);
        HostConnection c = connection;
        if (c != null) {
            c.close();
        }
        HostLauncher.deleteQuietly(socket);
        Process p = process;
        if (p == null) {
            return HostExit.notStarted(startProblem == null ? "isolate host was closed before it started" : startProblem);
        }
        try {
            if (!p.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
            if (drain != null) {
                drain.join(EXIT_GRACE);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        int code = p.isAlive() ? -1 : p.exitValue();
        // Read before the cgroup is removed: the kernel's count of OOM kills under its limit.
        boolean heapLimit = output.sawOutOfMemory();
        boolean cgroupLimit = launched.oomKilled();
        HostExit exit = new HostExit(code, heapLimit || cgroupLimit, output.text(TAIL_LINES_IN_MESSAGES),
                startProblem);
        if (state != State.CLOSED) {
            log.atWarn().addKeyValue("host", index).addKeyValue("pid", p.pid()).addKeyValue("mem_mb", memMb)
                    .addKeyValue("exit", exit.describe()).addKeyValue("heap_limit", heapLimit)
                    .addKeyValue("cgroup_oom_kill", cgroupLimit).log("isolate host ended");
        } else {
            log.atDebug().addKeyValue("host", index).addKeyValue("pid", p.pid()).log("isolate host closed");
        }
        return exit;
    }

    @Override
    public String toString() {
        return "isolate host " + index + " (" + memMb + " MB, " + state + ", pid " + pid() + ")";
    }
}
