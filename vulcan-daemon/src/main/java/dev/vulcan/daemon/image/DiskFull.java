package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.UnavailableException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/** Recognises ENOSPC among I/O failures, so a full disk is reported as such rather than as our fault. */
final class DiskFull {

    private static final String ENOSPC = "No space left on device";

    private DiskFull() {}

    static boolean isCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String text = t instanceof FileSystemException fs ? fs.getReason() + " " + fs.getMessage() : t.getMessage();
            if (text != null && text.contains(ENOSPC)) {
                return true;
            }
        }
        return false;
    }

    /**
     * 422 like other conditions of the node that the caller cannot fix by changing the request but
     * an operator can (507 would be the exact status, but bad input gets a 4xx here).
     */
    static UnavailableException error(Path store, String what) {
        return new UnavailableException("insufficient_storage",
                "the image store " + store + " ran out of disk space while " + what + "; nothing of it was kept: free space and retry");
    }
}
