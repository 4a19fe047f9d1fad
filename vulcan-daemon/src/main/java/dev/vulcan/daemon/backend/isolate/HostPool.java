package dev.vulcan.daemon.backend.isolate;

import dev.vulcan.daemon.backend.BackendUnavailableException;
import dev.vulcan.daemon.backend.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hosts of one memory class (one V8 heap cap) and the workloads waiting for them. Hosts are
 * started on demand up to the configured count; each runs one workload at a time.
 */
final class HostPool implements IsolateHost.Events {

    /** Creates (but does not start) a host of this pool's memory class. */
    interface HostFactory {
        IsolateHost create(int memMb, IsolateHost.Events events);
    }

    static final Duration RESULT_GRACE = Duration.ofSeconds(2);
    static final Duration KILL_GRACE = Duration.ofSeconds(1);
    static final Duration PONG_DEADLINE = Duration.ofSeconds(2);
    static final long MAX_RUNS_PER_HOST = 10_000;
    static final Duration LEFTOVER_CHECK_DELAY = Duration.ofMillis(500);
    private static final Logger log = LoggerFactory.getLogger(HostPool.class);

    private final int memMb;
    private final int size;
    private final boolean reapWhenIdle;
    private final Duration idleTimeout;
    private final HostFactory factory;
    private final ScheduledExecutorService scheduler;

    // Guarded by this.
    private final List<IsolateHost> hosts = new ArrayList<>();
    private final Deque<IsolateExecution> waiting = new ArrayDeque<>();
    private boolean closed;

    HostPool(int memMb, IsolateConfig config, HostFactory factory, ScheduledExecutorService scheduler) {
        this.memMb = memMb;
        this.size = config.hostsPerMemoryClass();
        this.reapWhenIdle = memMb != config.defaultMemMb();
        this.idleTimeout = config.idleTimeout();
        this.factory = factory;
        this.scheduler = scheduler;
    }

    /** Runs the execution on an idle host, or queues it until one is free. */
    void submit(IsolateExecution execution) {
        IsolateHost host;
        synchronized (this) {
            if (closed) {
                throw new BackendUnavailableException("the isolate backend is closed");
            }
            host = idleHost();
            if (host == null) {
                waiting.addLast(execution);
                execution.deadline(scheduler.schedule(() -> expire(execution),
                        execution.timeout().toMillis(), TimeUnit.MILLISECONDS));
                startHostsForWaiting();
                return;
            }
            assign(host, execution);
        }
        dispatch(host, execution);
    }

    void kill(IsolateExecution execution, String reason, String message) {
        if (execution.isDone()) {
            return;
        }
        execution.requestKill(reason, message);
        boolean wasWaiting;
        synchronized (this) {
            wasWaiting = waiting.remove(execution);
        }
        if (wasWaiting) {
            execution.complete(execution.killed());
            return;
        }
        IsolateHost host = execution.host();
        if (host == null) {
            return;
        }
        try {
            host.kill(execution);
        } catch (IOException e) {
            host.destroy("kill could not be sent: " + e.getMessage());
        }
        execution.deadline(scheduler.schedule(() -> {
            if (execution.complete(execution.killed())) {
                host.destroy("kill not confirmed within " + KILL_GRACE.toMillis() + " ms");
            }
        }, KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void ready(IsolateHost host) {
        IsolateExecution next;
        Set<Long> threadsAtReady = Set.of();
        synchronized (this) {
            if (closed || host.doomed()) {
                return;
            }
            IsolateHost.State state = host.state();
            if (state != IsolateHost.State.STARTING && state != IsolateHost.State.WARMING) {
                return;
            }
            if (state == IsolateHost.State.WARMING) {
                // Taken before the next run is sent, so no thread of the next workload is in it.
                threadsAtReady = host.workerThreadIds();
            }
            next = nextFor(host);
        }
        if (next != null) {
            dispatch(host, next);
        }
        if (threadsAtReady.size() > 1) {
            Set<Long> suspects = threadsAtReady;
            scheduler.schedule(() -> checkForLeftoverWorkers(host, suspects), LEFTOVER_CHECK_DELAY.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void finished(IsolateHost host, IsolateExecution execution, boolean stoppedWorker) {
        synchronized (this) {
            if (host.current() != execution) {
                return;
            }
            host.current(null);
            if (closed || host.doomed() || host.state() == IsolateHost.State.CLOSED) {
                return;
            }
            if (stoppedWorker) {
                // A stopped worker that was running JavaScript keeps running (see WorkerThreads).
                retire(host, "its worker was stopped");
            } else if (host.retiring()) {
                retire(host, "a worker outlived its workload");
            } else if (host.runs() >= MAX_RUNS_PER_HOST) {
                // Deno keeps a little metadata per imported module for the life of a process.
                retire(host, "it ran " + host.runs() + " workloads");
            } else {
                // Its next blank worker is booting (~15 ms); the host says "ready" when it is up.
                host.state(IsolateHost.State.WARMING);
            }
        }
    }

    /**
     * Of the Worker threads alive when the host said "ready", only the blank one may still be:
     * the rest belonged to the last workload (its worker, workers it started) and end within
     * milliseconds, unless one is running JavaScript that terminate() cannot stop.
     */
    private synchronized void checkForLeftoverWorkers(IsolateHost host, Set<Long> threadsAtReady) {
        if (closed || host.doomed() || !hosts.contains(host)) {
            return;
        }
        Set<Long> alive = new HashSet<>(host.workerThreadIds());
        alive.retainAll(threadsAtReady);
        if (alive.size() <= 1) {
            return;
        }
        if (host.state() == IsolateHost.State.BUSY) {
            host.retireWhenDone();
        } else {
            retire(host, "a worker outlived its workload");
        }
    }

    private void retire(IsolateHost host, String why) {
        hosts.remove(host);
        host.state(IsolateHost.State.CLOSED);
        host.close();
        if (!reapWhenIdle || !waiting.isEmpty()) {
            startHost();
        }
        startHostsForWaiting();
        log.atInfo().addKeyValue("pid", host.pid()).addKeyValue("mem_mb", memMb).addKeyValue("why", why)
                .log("retiring isolate host");
    }

    @Override
    public void died(IsolateHost host, HostExit exit) {
        IsolateExecution running;
        boolean replace;
        List<IsolateExecution> unserved = List.of();
        synchronized (this) {
            running = host.current();
            host.current(null);
            boolean wasOurs = hosts.remove(host);
            boolean everReady = exit.startProblem() == null;
            host.state(IsolateHost.State.CLOSED);
            if (!wasOurs || closed) {
                replace = false;
            } else if (!everReady) {
                // A host that cannot start says the environment is broken: fail the queue rather than loop.
                unserved = new ArrayList<>(waiting);
                waiting.clear();
                replace = false;
            } else {
                replace = !reapWhenIdle || !waiting.isEmpty();
            }
            if (replace) {
                startHost();
                startHostsForWaiting();
            }
        }
        if (running != null) {
            running.complete(running.killRequested() ? running.killed() : exit.failure(memMb, running.elapsed()));
        }
        for (IsolateExecution execution : unserved) {
            execution.complete(exit.failure(memMb, execution.elapsed()));
        }
    }

    /**
     * Pings hosts that run nothing (busy ones answer through their result or their backstop) and
     * closes those of a non-default class that sat idle too long.
     */
    void checkHealth() {
        List<IsolateHost> idle = new ArrayList<>();
        List<IsolateHost> reaped = new ArrayList<>();
        synchronized (this) {
            for (IsolateHost host : List.copyOf(hosts)) {
                IsolateHost.State state = host.state();
                if (host.doomed() || (state != IsolateHost.State.IDLE && state != IsolateHost.State.WARMING)) {
                    continue;
                }
                if (state == IsolateHost.State.IDLE && reapWhenIdle && host.idleFor().compareTo(idleTimeout) > 0) {
                    hosts.remove(host);
                    host.state(IsolateHost.State.CLOSED);
                    reaped.add(host);
                } else {
                    idle.add(host);
                }
            }
        }
        for (IsolateHost host : reaped) {
            log.atInfo().addKeyValue("pid", host.pid()).addKeyValue("mem_mb", memMb)
                    .log("closing idle isolate host");
            host.close();
        }
        idle.forEach(host -> host.ping(PONG_DEADLINE));
    }

    /** Ends every host and every execution still queued or running here. */
    void close() {
        List<IsolateHost> ending;
        List<IsolateExecution> unfinished = new ArrayList<>();
        synchronized (this) {
            closed = true;
            ending = List.copyOf(hosts);
            hosts.clear();
            unfinished.addAll(waiting);
            waiting.clear();
            for (IsolateHost host : ending) {
                if (host.current() != null) {
                    unfinished.add(host.current());
                }
            }
        }
        for (IsolateExecution execution : unfinished) {
            execution.complete(new Outcome.Killed("killed", "the isolate backend was closed", execution.elapsed()));
        }
        ending.forEach(IsolateHost::close);
        ending.forEach(host -> host.awaitExit(Duration.ofSeconds(5)));
    }

    synchronized List<IsolateHost> hosts() {
        return List.copyOf(hosts);
    }

    private IsolateHost idleHost() {
        for (IsolateHost host : hosts) {
            if (host.state() == IsolateHost.State.IDLE && !host.doomed()) {
                return host;
            }
        }
        return null;
    }

    /** Gives the host the next waiting execution, or marks it idle; returns what to dispatch. */
    private IsolateExecution nextFor(IsolateHost host) {
        IsolateExecution next = waiting.pollFirst();
        if (next == null) {
            host.state(IsolateHost.State.IDLE);
            return null;
        }
        assign(host, next);
        return next;
    }

    private void assign(IsolateHost host, IsolateExecution execution) {
        host.state(IsolateHost.State.BUSY);
        host.current(execution);
        execution.assignedTo(host);
    }

    private void dispatch(IsolateHost host, IsolateExecution execution) {
        execution.deadline(scheduler.schedule(() -> {
            if (execution.complete(execution.timedOut())) {
                host.destroy("no result " + RESULT_GRACE.toSeconds() + " s after the workload's timeout");
            }
        }, execution.timeout().plus(RESULT_GRACE).toMillis(), TimeUnit.MILLISECONDS));
        execution.dispatched();
        try {
            host.run(execution);
            // A kill that raced with the hand-over may have reached the host before the run did.
            if (execution.killRequested()) {
                host.kill(execution);
            }
        } catch (IOException e) {
            host.destroy("run could not be sent: " + e.getMessage());
        }
    }

    private void expire(IsolateExecution execution) {
        boolean wasWaiting;
        synchronized (this) {
            wasWaiting = waiting.remove(execution);
        }
        if (wasWaiting) {
            log.atWarn().addKeyValue("workload", execution.request().workloadId()).addKeyValue("mem_mb", memMb)
                    .log("no isolate host became free in time");
            execution.complete(new Outcome.Failed("busy", "all " + size + " isolate hosts for " + memMb
                    + " MB stayed busy for " + execution.timeout().toSeconds() + " s", "", execution.elapsed()));
        }
    }

    private void startHostsForWaiting() {
        long starting = hosts.stream().filter(h -> h.state() == IsolateHost.State.STARTING).count();
        for (; hosts.size() < size && starting < waiting.size(); starting++) {
            startHost();
        }
    }

    private void startHost() {
        if (hosts.size() >= size) {
            return;
        }
        IsolateHost host = factory.create(memMb, this);
        hosts.add(host);
        host.start();
    }
}
