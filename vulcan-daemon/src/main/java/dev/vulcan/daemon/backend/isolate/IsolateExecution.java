package dev.vulcan.daemon.backend.isolate;

import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One workload on its way through a host pool: queued, then running on one host, then done. */
final class IsolateExecution implements Execution {

    private static final Logger log = LoggerFactory.getLogger(IsolateExecution.class);

    private final String id;
    private final ExecutionRequest request;
    private final String lang;
    private final LogSink logs;
    private final HostPool pool;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<Outcome> done = new CompletableFuture<>();
    private final CompletableFuture<Outcome> published;

    private volatile IsolateHost host;
    private volatile long dispatchedNanos;
    private volatile ScheduledFuture<?> deadline;
    private volatile String killReason;
    private volatile String killMessage;

    IsolateExecution(String id, ExecutionRequest request, String lang, LogSink logs, HostPool pool, Executor callbacks) {
        this.id = id;
        this.request = request;
        this.lang = lang;
        this.logs = logs;
        this.pool = pool;
        // Callers' continuations run on their own threads, never on a host's supervisor.
        this.published = done.thenApplyAsync(Function.identity(), callbacks);
    }

    @Override
    public CompletableFuture<Outcome> outcome() {
        return published;
    }

    @Override
    public void kill(String reason, String message) {
        pool.kill(this, reason, message);
    }

    String id() {
        return id;
    }

    ExecutionRequest request() {
        return request;
    }

    Duration timeout() {
        return request.limits().timeout();
    }

    HostCommand.Run runCommand() {
        return new HostCommand.Run(id, lang, request.code(), request.inputJson(), Math.max(1, timeout().toMillis()));
    }

    IsolateHost host() {
        return host;
    }

    void assignedTo(IsolateHost host) {
        this.host = host;
    }

    /** The run is being sent to its host: the end of this execution's start. */
    void dispatched() {
        dispatchedNanos = System.nanoTime();
    }

    /**
     * Warm when the host that ran it existed before it was submitted (a pooled host with its blank Worker
     * booted); cold when a host had to be started for it.
     */
    @Override
    public dev.vulcan.daemon.backend.SandboxStart sandboxStart() {
        IsolateHost ran = host;
        long sent = dispatchedNanos;
        var kind = ran != null && ran.createdNanos() > startNanos ? dev.vulcan.daemon.backend.SandboxStart.Kind.COLD
                : dev.vulcan.daemon.backend.SandboxStart.Kind.WARM;
        return new dev.vulcan.daemon.backend.SandboxStart(kind, sent == 0 ? null : Duration.ofNanos(sent - startNanos));
    }

    /** Replaces the current deadline (queue wait or run backstop); cancelled when done. */
    void deadline(ScheduledFuture<?> next) {
        ScheduledFuture<?> previous = deadline;
        deadline = next;
        if (previous != null) {
            previous.cancel(false);
        }
        if (isDone()) {
            next.cancel(false);
        }
    }

    void requestKill(String reason, String message) {
        killMessage = message;
        killReason = reason;
    }

    boolean killRequested() {
        return killReason != null;
    }

    boolean isDone() {
        return done.isDone();
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    void log(LogSink.Stream stream, String line) {
        if (isDone()) {
            return;
        }
        try {
            logs.line(stream, line);
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("workload", request.workloadId()).log("log sink failed");
        }
    }

    /** Completes the outcome unless it already is; returns whether this call completed it. */
    boolean complete(Outcome outcome) {
        if (!done.complete(outcome)) {
            return false;
        }
        ScheduledFuture<?> pending = deadline;
        if (pending != null) {
            pending.cancel(false);
        }
        log.atDebug().addKeyValue("workload", request.workloadId()).addKeyValue("execution", id)
                .addKeyValue("outcome", outcome.getClass().getSimpleName())
                .addKeyValue("elapsed_ms", outcome.elapsed().toMillis()).log("isolate execution ended");
        return true;
    }

    void completeWith(HostEvent.Result result) {
        Duration elapsed = elapsed();
        if (result.ok()) {
            complete(new Outcome.Completed(result.outputJson(), elapsed));
            return;
        }
        complete(switch (result.reason()) {
            case "timeout" -> timedOut();
            case "killed" -> killed();
            default -> new Outcome.Failed(result.reason(), result.message(), result.stack(), elapsed);
        });
    }

    Outcome.Killed timedOut() {
        return new Outcome.Killed("timeout", "timed out after " + seconds(timeout()), elapsed());
    }

    Outcome.Killed killed() {
        String reason = killReason;
        return reason == null
                ? new Outcome.Killed("killed", "killed", elapsed())
                : new Outcome.Killed(reason, killMessage, elapsed());
    }

    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
    }
}
