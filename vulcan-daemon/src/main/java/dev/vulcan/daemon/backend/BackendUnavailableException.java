package dev.vulcan.daemon.backend;

/** A backend cannot run work now (engine missing, probe failed, shut down). */
public final class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
