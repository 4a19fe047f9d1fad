package dev.vulcan.api;

import java.util.List;
import java.util.Map;

/**
 * A backend as /v1/backends shows it: whether it can run work on this node, and if not why not.
 *
 * @param platform what runs sandboxed code here (host kernel, gVisor ptrace/kvm, QEMU kvm/tcg, V8); null when
 *                 unavailable
 * @param details  facts worth knowing about how it runs here (engine path, pool sizes, limits)
 */
public record Backend(
        Isolation isolation,
        boolean available,
        String reason,
        String version,
        String platform,
        List<String> runtimes,
        String networking,
        String filesystem,
        String isolationStrength,
        Map<String, String> details) {}
