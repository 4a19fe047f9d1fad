package dev.vulcan.daemon.backend.microvm;

import java.time.Duration;
import java.util.Objects;

/**
 * How a guest command ended, as the agent measured it: its exit code ({@code EXITED}), the signal
 * that ended it ({@code SIGNALED}), killed at its timeout ({@code TIMED_OUT}, code is the signal),
 * or never started ({@code NOT_STARTED}: code 127, message says why, e.g. "exec x: No such file").
 */
public record CommandResult(Kind kind, int code, Duration duration, String message) {

    public enum Kind { EXITED, SIGNALED, TIMED_OUT, NOT_STARTED }

    public CommandResult {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(duration, "duration");
        message = message == null ? "" : message;
    }

    public boolean succeeded() {
        return kind == Kind.EXITED && code == 0;
    }
}
