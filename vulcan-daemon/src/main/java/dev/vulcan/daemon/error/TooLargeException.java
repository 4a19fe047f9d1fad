package dev.vulcan.daemon.error;

/** Thrown when the request exceeds a size limit. */
public final class TooLargeException extends VulcanException {
    public TooLargeException(String code, String message) {
        super(code, message);
    }
}
