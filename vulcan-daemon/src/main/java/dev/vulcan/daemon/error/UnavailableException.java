package dev.vulcan.daemon.error;

/** Thrown when the capability exists but cannot serve now (backend missing or down). */
public final class UnavailableException extends VulcanException {
    public UnavailableException(String code, String message) {
        super(code, message);
    }
}
