package dev.vulcan.daemon.backend;

import java.time.Duration;

/**
 * How a workload's sandbox came to be, for the start histograms.
 *
 * @param kind    COLD: the sandbox was created for this workload; WARM: it was taken ready from a pool
 * @param latency from the backend's start() until the sandbox was handed the workload; null when the backend
 *                cannot tell that moment apart from the end (the service then observes start() to the outcome)
 */
public record SandboxStart(Kind kind, Duration latency) {

    public enum Kind {
        COLD, WARM;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public SandboxStart {
        if (kind == null) throw new IllegalArgumentException("kind is required");
    }

    /** A sandbox made for the workload, with no separate start moment. */
    public static final SandboxStart COLD_UNTIMED = new SandboxStart(Kind.COLD, null);
}
