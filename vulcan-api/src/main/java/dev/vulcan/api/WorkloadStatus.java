package dev.vulcan.api;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where a workload is in its life. pending and running are the only non-final states. */
public enum WorkloadStatus {
    PENDING, RUNNING, COMPLETED, FAILED, KILLED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean isFinal() {
        return this != PENDING && this != RUNNING;
    }

    /** Parses the wire name; throws IllegalArgumentException with the accepted values. */
    public static WorkloadStatus parse(String wire) {
        return Wire.parse(WorkloadStatus.class, wire);
    }
}
