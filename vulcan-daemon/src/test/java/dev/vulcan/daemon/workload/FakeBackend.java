package dev.vulcan.daemon.workload;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.BackendTraits;
import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A backend whose executions run until the test ends them by hand. It records what it was asked
 * to start, and what it was asked to kill.
 */
final class FakeBackend implements Backend {

    private final Isolation isolation;
    private final Set<Runtime> runtimes;
    private volatile BackendStatus status = new BackendStatus.Available("fake-1", "fake", Map.of());
    private volatile RuntimeException failOnStart;
    private volatile RuntimeException failOnPrepare;
    private volatile Consumer<ExecutionRequest> onStart = request -> {};
    private volatile boolean killAnswersLater;
    final List<FakeExecution> started = new CopyOnWriteArrayList<>();

    FakeBackend(Isolation isolation, Set<Runtime> runtimes) {
        this.isolation = isolation;
        this.runtimes = Set.copyOf(runtimes);
    }

    void unavailable(String reason) {
        status = new BackendStatus.Unavailable(reason);
    }

    void failOnStart(RuntimeException failure) {
        failOnStart = failure;
    }

    void failOnPrepare(RuntimeException failure) {
        failOnPrepare = failure;
    }

    @Override
    public void prepare(Runtime runtime) {
        if (failOnPrepare != null) {
            throw failOnPrepare;
        }
    }

    /** Runs inside start(), before the execution exists: lets a test look at the world then. */
    void onStart(Consumer<ExecutionRequest> hook) {
        onStart = hook;
    }

    /** Kills complete the outcome from another thread, as a real sandbox's supervisor would. */
    void killAnswersLater() {
        killAnswersLater = true;
    }

    FakeExecution only() {
        if (started.size() != 1) {
            throw new AssertionError("expected one execution, the backend started " + started.size());
        }
        return started.getFirst();
    }

    @Override
    public Isolation isolation() {
        return isolation;
    }

    @Override
    public Set<Runtime> runtimes() {
        return runtimes;
    }

    @Override
    public BackendStatus probe() {
        return status;
    }

    @Override
    public BackendTraits traits() {
        return new BackendTraits("none", "none", "fake");
    }

    @Override
    public Execution start(ExecutionRequest request, LogSink logs) {
        if (failOnStart != null) {
            throw failOnStart;
        }
        onStart.accept(request);
        FakeExecution execution = new FakeExecution(request, logs, killAnswersLater);
        started.add(execution);
        return execution;
    }

    @Override
    public void close() {}

    /** One execution, ended by the test through complete/fail/kill. */
    static final class FakeExecution implements Execution {

        final ExecutionRequest request;
        final LogSink logs;
        private final boolean killAnswersLater;
        private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        final List<String> kills = new CopyOnWriteArrayList<>();

        FakeExecution(ExecutionRequest request, LogSink logs, boolean killAnswersLater) {
            this.request = request;
            this.logs = logs;
            this.killAnswersLater = killAnswersLater;
        }

        void complete(String outputJson, Duration elapsed) {
            outcome.complete(new Outcome.Completed(outputJson, elapsed));
        }

        void fail(String reason, String message, String stack, Duration elapsed) {
            outcome.complete(new Outcome.Failed(reason, message, stack, elapsed));
        }

        void end(Outcome ended) {
            outcome.complete(ended);
        }

        void crash(Throwable error) {
            outcome.completeExceptionally(error);
        }

        @Override
        public CompletableFuture<Outcome> outcome() {
            return outcome;
        }

        @Override
        public void kill(String reason, String message) {
            kills.add(reason + ": " + message);
            Outcome killed = new Outcome.Killed(reason, message, Duration.ofMillis(7));
            if (killAnswersLater) {
                CompletableFuture.runAsync(() -> outcome.complete(killed));
            } else {
                outcome.complete(killed);
            }
        }
    }
}
