package dev.vulcan.daemon.error;

/** Thrown when the named object does not exist. */
public final class NotFoundException extends VulcanException {
    public NotFoundException(String code, String message) {
        super(code, message);
    }
}
