package dev.vulcan.daemon.backend.microvm.qmp;

import java.io.IOException;

/** QEMU answered a command with an error, or the QMP connection failed. */
public final class QmpException extends IOException {

    private final String errorClass;

    public QmpException(String errorClass, String message) {
        super(errorClass == null ? message : errorClass + ": " + message);
        this.errorClass = errorClass;
    }

    public QmpException(String message) {
        super(message);
        this.errorClass = null;
    }

    public QmpException(String message, Throwable cause) {
        super(message, cause);
        this.errorClass = null;
    }

    /** QEMU's error class ("GenericError", "CommandNotFound", ...), or null for a connection failure. */
    public String errorClass() {
        return errorClass;
    }
}
