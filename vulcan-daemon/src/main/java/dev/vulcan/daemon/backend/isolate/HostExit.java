package dev.vulcan.daemon.backend.isolate;

import dev.vulcan.daemon.backend.Outcome;
import java.time.Duration;
import java.util.Map;

/**
 * How a host process ended, and what that means for the workload it was running.
 *
 * @param exitCode      the exit status as Java reports it (128 + n after signal n), or -1 if it never ran
 * @param outOfMemory   whether the host ran out of memory: V8 reported its heap limit, or the
 *                      kernel OOM-killed it at its memory cgroup's limit
 * @param outputTail    the last lines the process wrote
 * @param startProblem  why the host could not be started, or null
 */
record HostExit(int exitCode, boolean outOfMemory, String outputTail, String startProblem) {

    private static final Map<Integer, String> SIGNALS = Map.of(
            1, "SIGHUP", 2, "SIGINT", 4, "SIGILL", 5, "SIGTRAP", 6, "SIGABRT",
            7, "SIGBUS", 9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

    static HostExit notStarted(String problem) {
        return new HostExit(-1, false, "", problem);
    }

    /** The failure of the workload that was running when the host ended. */
    Outcome.Failed failure(int memMb, Duration elapsed) {
        if (outOfMemory) {
            return new Outcome.Failed("memory_limit",
                    "memory limit exceeded: the isolate needed more than " + memMb + " MB", "", elapsed);
        }
        String message = "isolate host died: " + describe();
        if (!outputTail.isBlank()) {
            message += "; last output:\n" + outputTail;
        }
        return new Outcome.Failed("host_crashed", message, "", elapsed);
    }

    String describe() {
        if (startProblem != null) {
            return startProblem;
        }
        if (exitCode > 128 && SIGNALS.containsKey(exitCode - 128)) {
            return "exit code " + exitCode + " (" + SIGNALS.get(exitCode - 128) + ")";
        }
        return "exit code " + exitCode;
    }
}
