package dev.vulcan.daemon.backend;

import java.util.Map;

/** The answer to "can this backend run work here?". */
public sealed interface BackendStatus {

    /**
     * @param platform what runs the sandboxes' code here: the host kernel, gVisor's platform (ptrace, kvm),
     *                 QEMU's accelerator (kvm, tcg) or V8
     */
    record Available(String version, String platform, Map<String, String> details) implements BackendStatus {
        public Available {
            details = Map.copyOf(details);
        }
    }

    record Unavailable(String reason) implements BackendStatus {}

    default boolean isAvailable() {
        return this instanceof Available;
    }
}
