package dev.vulcan.daemon.instance;

import dev.vulcan.daemon.error.InvalidException;
import java.util.Locale;

/** When an instance whose process ended is started again (Docker's restart policies). */
public enum RestartPolicy {
    NO, ON_FAILURE, ALWAYS;

    public String wire() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether a run that ended by itself is followed by another; failed: a non-zero exit, an OOM kill or a lost monitor. */
    boolean restartsAfter(boolean failed) {
        return switch (this) {
            case NO -> false;
            case ON_FAILURE -> failed;
            case ALWAYS -> true;
        };
    }

    static RestartPolicy parse(String text) {
        if (text == null || text.isBlank()) return NO;
        for (RestartPolicy p : values()) {
            if (p.wire().equals(text)) return p;
        }
        throw new InvalidException("invalid_restart", "unknown restart policy '" + text + "' (accepted: no, on-failure, always)");
    }
}
