package dev.vulcan.daemon.backend.oci;

/**
 * Cgroup limits for a gVisor sandbox. The host cgroup holds the whole sandbox, not just the workload's
 * processes: the Sentry (gVisor's kernel) and its gofer take about 60 host threads and 15 MB before the
 * workload starts, and on the ptrace platform every process inside costs about 8-10 host threads (measured: 50
 * sleeping processes, 478 host tasks). So a limit asked for the workload becomes a host limit with room for
 * that; cpus are the same on both sides.
 */
final class GvisorLimits {

    /** Host tasks of an idle sandbox (62 measured) with margin. */
    static final long PIDS_HEADROOM = 128;
    /** Host tasks per process inside, on the ptrace platform. */
    static final long PIDS_PER_PROCESS = 10;
    /** The Sentry's and gofer's own memory (about 15 MB measured) with margin. */
    static final long MEMORY_HEADROOM = 32L * 1024 * 1024;

    private GvisorLimits() {}

    /** The host cgroup limits for a workload's limits under this runtime (unchanged for crun and runc). */
    static ContainerSpec.Resources forRuntime(OciRuntime.Kind kind, ContainerSpec.Resources workload) {
        if (kind != OciRuntime.Kind.RUNSC) {
            return workload;
        }
        return new ContainerSpec.Resources(
                workload.memoryBytes() > 0 ? workload.memoryBytes() + MEMORY_HEADROOM : 0,
                workload.cpus(),
                workload.pids() > 0 ? workload.pids() * PIDS_PER_PROCESS + PIDS_HEADROOM : 0);
    }
}
