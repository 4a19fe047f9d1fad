package dev.vulcan.api;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where an instance is: created (never started), running, or stopped (it ran and ended). */
public enum InstanceStatus {
    CREATED, RUNNING, STOPPED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses the wire name; throws IllegalArgumentException with the accepted values. */
    public static InstanceStatus parse(String wire) {
        return Wire.parse(InstanceStatus.class, wire);
    }
}
