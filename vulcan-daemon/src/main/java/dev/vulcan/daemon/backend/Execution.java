package dev.vulcan.daemon.backend;

import java.util.concurrent.CompletableFuture;

/** A running execution. Its outcome always completes: with a result, a failure or a kill. */
public interface Execution {

    CompletableFuture<Outcome> outcome();

    /** Ends the execution now; the outcome completes as {@link Outcome.Killed} with this reason. */
    void kill(String reason, String message);

    /**
     * Whether this execution's sandbox was made for it or taken from a pool, and when it was handed the
     * workload. Asked once the outcome has completed. The default: a new sandbox, no separate start moment.
     */
    default SandboxStart sandboxStart() {
        return SandboxStart.COLD_UNTIMED;
    }
}
