package dev.vulcan.daemon.backend;

import java.util.concurrent.CompletableFuture;

/** A running execution. Its outcome always completes: with a result, a failure or a kill. */
public interface Execution {

    CompletableFuture<Outcome> outcome();

    /** Ends the execution now; the outcome completes as {@link Outcome.Killed} with this reason. */
    void kill(String reason, String message);
}
