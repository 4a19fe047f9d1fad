package dev.vulcan.daemon.backend;

import dev.vulcan.api.LogEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs long-lived sandboxes (instances) for the instance service. A run outlives the daemon: its monitor
 * process keeps its output and records its exit, so a restarted daemon finds each run by its id and
 * either adopts it or cleans it. Implementations never see the database or HTTP.
 */
public interface InstanceDriver extends AutoCloseable {

    /**
     * What one run of an instance needs; network null: no network but loopback; isolation is container, gvisor
     * or microvm, null: container.
     */
    record Launch(ExecutionRequest.ImageCommand command, List<String> env, List<Mount> mounts, Limits limits,
            NetworkJoin network, dev.vulcan.api.Isolation isolation) {
        public Launch {
            env = List.copyOf(env);
            mounts = List.copyOf(mounts);
            isolation = isolation == null ? dev.vulcan.api.Isolation.CONTAINER : isolation;
        }

        public Launch(ExecutionRequest.ImageCommand command, List<String> env, List<Mount> mounts, Limits limits,
                NetworkJoin network) {
            this(command, env, mounts, limits, network, null);
        }

        public Launch(ExecutionRequest.ImageCommand command, List<String> env, List<Mount> mounts, Limits limits) {
            this(command, env, mounts, limits, null, null);
        }
    }

    /** A host directory or file bind-mounted into the sandbox. */
    record Mount(Path source, String destination, boolean readOnly) {}

    /** Cgroup limits of a run; 0 means unlimited. */
    record Limits(int memMb, double cpus, long pids) {}

    /** Where a run is, as the host sees it. */
    sealed interface RunState {
        /** Its first process runs (pid on the host). */
        record Running(long pid) implements RunState {}

        /** It ended with this exit code; oom when the kernel's OOM killer ended it. */
        record Exited(int exitCode, boolean oom) implements RunState {}

        /** Nothing runs and no exit was recorded: never started, or its monitor was lost. */
        record Absent() implements RunState {}
    }

    /** Starts a run of instance {@code id}; returns its first process's host PID once it runs. */
    long start(String id, Launch launch) throws IOException;

    /** Sends a signal (TERM, KILL, ...) to the run's first process. */
    void signal(String id, String signal) throws IOException;

    RunState state(String id) throws IOException;

    /** Frees what an ended (or lost) run held: runtime state, mounts, cgroups; keeps the writable layer and logs. */
    void release(String id) throws IOException;

    /** Removes everything of the instance: what {@link #release} frees, its writable layer and its logs. */
    void remove(String id) throws IOException;

    /** The ids of every instance that has something on this host (for sweeping what the database lost). */
    Set<String> known() throws IOException;

    /** Runs a process in the instance's running sandbox (exec). */
    ExecProcess exec(String id, ExecSpec spec) throws IOException;

    /** Attaches to the running sandbox's console (its main process's terminal), for drivers that have one. */
    default ExecProcess console(String id) throws IOException {
        throw new UnsupportedOperationException("instances of this isolation have no console");
    }

    /** Whether instance {@code id} has anything under this driver (its state dir). */
    default boolean has(String id) {
        try {
            return known().contains(id);
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts delivering exits to the {@link #onExit} listeners (the instance service is ready for them). */
    default void watch() throws IOException {
    }

    /** Calls {@code listener} with an instance id whenever one of its runs ends (possibly more than once). */
    void onExit(Consumer<String> listener);

    /** Log lines from byte offset {@code from} of the instance's log; {@code next} is where to continue. */
    LogChunk logs(String id, long from) throws IOException;

    record LogChunk(List<LogEvent> events, long next) {}

    @Override
    void close();
}
