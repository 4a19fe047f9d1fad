package dev.vulcan.cli.http;

import java.io.IOException;
import java.nio.file.Path;

/** The connect to the unix socket failed: nothing there, nobody listening, or not allowed. */
public final class UnreachableSocketException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the connect failed. */
    public enum Reason { MISSING, REFUSED, OTHER }

    private final transient Path socket;
    private final Reason reason;

    UnreachableSocketException(Path socket, Reason reason, IOException cause) {
        super(socket + ": " + cause.getMessage(), cause);
        this.socket = socket;
        this.reason = reason;
    }

    public Path socket() {
        return socket;
    }

    public Reason reason() {
        return reason;
    }
}
