package dev.vulcan.api;

import com.fasterxml.jackson.annotation.JsonValue;

/** The isolation a caller asks for; AUTO is resolved by the daemon to one of the others. */
public enum Isolation {
    AUTO, ISOLATE, CONTAINER, GVISOR, MICROVM;

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Isolation parse(String wire) {
        return Wire.parse(Isolation.class, wire);
    }
}
