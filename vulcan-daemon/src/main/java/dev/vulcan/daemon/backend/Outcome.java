package dev.vulcan.daemon.backend;

import java.time.Duration;

/** How an execution ended. */
public sealed interface Outcome {

    Duration elapsed();

    /** The code returned; outputJson is its JSON text. */
    record Completed(String outputJson, Duration elapsed) implements Outcome {}

    /**
     * The code or its sandbox failed.
     *
     * @param reason machine-readable: exception, syntax_error, invalid_output, memory_limit, host_crashed, ...
     */
    record Failed(String reason, String message, String stack, Duration elapsed) implements Outcome {}

    /**
     * A process ran to its end with an exit code (containers). Exit 0 is success; outputJson is what
     * it wrote to stdout, as a JSON string.
     */
    record Exited(int exitCode, String outputJson, Duration elapsed) implements Outcome {}

    /** Ended from outside: reason is timeout or killed. */
    record Killed(String reason, String message, Duration elapsed) implements Outcome {}
}
