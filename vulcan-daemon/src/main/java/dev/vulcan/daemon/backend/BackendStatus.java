package dev.vulcan.daemon.backend;

import java.util.Map;

/** The answer to "can this backend run work here?". */
public sealed interface BackendStatus {

    record Available(String version, Map<String, String> details) implements BackendStatus {
        public Available {
            details = Map.copyOf(details);
        }
    }

    record Unavailable(String reason) implements BackendStatus {}

    default boolean isAvailable() {
        return this instanceof Available;
    }
}
