package dev.vulcan.daemon.error;

/**
 * The failures a caller can act on. The HTTP layer maps each to one status code in exactly one
 * place; anything else is our own fault (500).
 */
public abstract sealed class VulcanException extends RuntimeException
        permits InvalidException, NotFoundException, ConflictException, UnavailableException, TooLargeException {

    private final String code;

    VulcanException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** Machine-readable error code, e.g. invalid_runtime. */
    public String code() {
        return code;
    }
}
