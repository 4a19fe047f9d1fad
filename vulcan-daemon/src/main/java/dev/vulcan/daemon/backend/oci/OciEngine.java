package dev.vulcan.daemon.backend.oci;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.BackendTraits;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which family of OCI runtime a {@link ContainerBackend} drives: the host kernel's namespaces (crun or runc,
 * isolation {@code container}) or gVisor's user-space kernel (runsc, isolation {@code gvisor}). Both run the
 * same bundles, cgroups, overlay root file systems, conmon monitors and sweeps; only the probe, the runtime's
 * flags and what /v1/backends says differ.
 */
public sealed interface OciEngine {

    Isolation isolation();

    /** Finds the runtime this engine uses here; stateDir is the backend's own (STATE/oci, STATE/gvisor). */
    OciRuntime.Probe probe(Path stateDir, Path busybox, ProcessRunner processes, BundleBuilder bundles);

    BackendTraits traits();

    /** crun or runc, as {@link OciRuntime#probe} finds them. */
    record Native(OciRuntime.Preference preference) implements OciEngine {
        @Override
        public Isolation isolation() {
            return Isolation.CONTAINER;
        }

        @Override
        public OciRuntime.Probe probe(Path stateDir, Path busybox, ProcessRunner processes, BundleBuilder bundles) {
            return OciRuntime.probe(preference, stateDir.resolve("probe"), busybox, processes, bundles);
        }

        @Override
        public BackendTraits traits() {
            return new BackendTraits("CNI bridge networks (dual stack, NAT, published ports, DNS)", "overlayfs on image layers",
                    "namespaces + cgroups + capabilities + seccomp on the shared host kernel (crun/runc)");
        }
    }

    /**
     * runsc with its own state root (STATE/gvisor/runsc) and the platform {@link RunscProbe} finds working.
     *
     * @param runsc    the runsc binary (the vulcan.gvisor.runsc property; default runsc on the PATH)
     * @param platform auto, kvm or ptrace (the vulcan.gvisor.platform property)
     */
    record Gvisor(String runsc, String platform) implements OciEngine {
        public Gvisor {
            if (runsc == null || runsc.isBlank()) throw new IllegalArgumentException("runsc binary is required");
            RunscProbe.Platform.parse(platform);
        }

        @Override
        public Isolation isolation() {
            return Isolation.GVISOR;
        }

        @Override
        public OciRuntime.Probe probe(Path stateDir, Path busybox, ProcessRunner processes, BundleBuilder bundles) {
            return RunscProbe.probe(runsc, RunscProbe.Platform.parse(platform), stateDir.resolve("runsc"),
                    stateDir.resolve("probe"), busybox, processes, bundles);
        }

        @Override
        public BackendTraits traits() {
            return new BackendTraits("CNI bridge networks; runsc runs inside the sandbox's netns and uses its host stack"
                    + " (--network=host: its own netstack fails on this kernel)",
                    "overlayfs on image layers, served to the sandbox by gVisor's gofer",
                    "gVisor user-space kernel (Sentry) under host seccomp, plus namespaces + cgroups: the host"
                            + " kernel sees only the Sentry's few system calls");
        }
    }

    /** The engine's name in messages ("the gvisor backend ..."). */
    default String label() {
        return isolation().wire().toLowerCase(Locale.ROOT);
    }
}
