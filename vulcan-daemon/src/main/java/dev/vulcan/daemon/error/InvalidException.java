package dev.vulcan.daemon.error;

/** Thrown when the request is malformed or asks for something impossible. */
public final class InvalidException extends VulcanException {
    public InvalidException(String code, String message) {
        super(code, message);
    }
}
