package dev.vulcan.daemon.backend.microvm.qmp;

import java.time.Instant;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/** An asynchronous QMP event ("SHUTDOWN", "STOP", "RESUME", ...) with its data and QEMU's timestamp. */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {
    public QmpEvent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(timestamp, "timestamp");
    }
}
