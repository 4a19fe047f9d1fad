package dev.vulcan.daemon.error;

/** Thrown when the object is not in a state that allows this. */
public final class ConflictException extends VulcanException {
    public ConflictException(String code, String message) {
        super(code, message);
    }
}
