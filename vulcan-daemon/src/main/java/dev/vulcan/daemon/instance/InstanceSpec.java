package dev.vulcan.daemon.instance;

import dev.vulcan.api.InstancesPost;
import dev.vulcan.api.Isolation;
import dev.vulcan.api.Resources;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.net.NetworkConfig;
import dev.vulcan.daemon.net.PublishedPort;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A validated instance: what POST /v1/instances asked for. The creating request is stored as is and
 * parsed through {@link #from} again when read back, so there is one way in.
 *
 * @param memMb   0: no memory limit; cpus 0: no CPU quota
 * @param network the network it joins, null for none
 * @param ports   published ports (only with a network)
 */
record InstanceSpec(String name, ImageReference image, ExecutionRequest.ImageCommand command, List<String> env,
        List<VolumeSpec> volumes, RestartPolicy restart, int memMb, int cpus, long pids, String network,
        List<PublishedPort> ports, Isolation isolation) {

    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");
    /** Without a pids limit asked for, this one keeps a fork bomb in. */
    static final long DEFAULT_PIDS = 4096;
    static final long MAX_PIDS = 4_194_304;

    static InstanceSpec from(InstancesPost post, int machineCpus, long machineMemMb) {
        if (post.name() == null || !NAME.matcher(post.name()).matches()) {
            throw new InvalidException("invalid_name", "name must be 1-63 letters, digits, '_', '.' or '-', starting"
                    + " with a letter or digit" + (post.name() == null ? " (it is required)" : ": " + post.name()));
        }
        if (post.image() == null || post.image().isBlank()) {
            throw new InvalidException("missing_image", "image is required");
        }
        ImageReference image;
        try {
            image = ImageReference.parse(post.image());
        } catch (IllegalArgumentException e) {
            throw new InvalidException("invalid_reference", e.getMessage());
        }
        boolean hasCmd = post.cmd() != null && !post.cmd().isBlank();
        boolean hasArgs = post.args() != null && !post.args().isEmpty();
        if (hasCmd && hasArgs) {
            throw new InvalidException("invalid_command", "give cmd (shell form) or args (exec form), not both");
        }
        var command = new ExecutionRequest.ImageCommand(post.image(), hasCmd ? List.of(post.cmd()) : post.args(), hasCmd);
        List<String> env = post.env() == null ? List.of() : List.copyOf(post.env());
        for (String e : env) {
            if (e == null || e.indexOf('=') <= 0) {
                throw new InvalidException("invalid_env", "environment entries are NAME=VALUE: " + e);
            }
        }
        List<VolumeSpec> volumes = post.volumes() == null ? List.of()
                : post.volumes().stream().map(VolumeSpec::parse).toList();
        if (volumes.stream().map(VolumeSpec::guest).distinct().count() != volumes.size()) {
            throw new InvalidException("invalid_volume", "two volumes share a container path");
        }
        Resources r = post.resources() == null ? Resources.unset() : post.resources();
        if (r.timeoutS() != null) {
            throw new InvalidException("invalid_limits", "instances run until stopped: timeout_s is for workloads");
        }
        int memMb = r.memMb() == null ? 0 : r.memMb();
        if (r.memMb() != null && (memMb < 4 || memMb > machineMemMb)) {
            throw new InvalidException("invalid_limits", "mem_mb must be between 4 and " + machineMemMb);
        }
        int cpus = r.cpus() == null ? 0 : r.cpus();
        if (r.cpus() != null && (cpus < 1 || cpus > machineCpus)) {
            throw new InvalidException("invalid_limits", "cpus must be between 1 and " + machineCpus);
        }
        long pids = r.pids() == null ? DEFAULT_PIDS : r.pids();
        if (r.pids() != null && (pids < 1 || pids > MAX_PIDS)) {
            throw new InvalidException("invalid_limits", "pids must be between 1 and " + MAX_PIDS);
        }
        Isolation isolation = isolation(post.isolation());
        if (isolation == Isolation.MICROVM && !volumes.isEmpty()) {
            throw new InvalidException("invalid_volume", "microvm instances cannot mount volumes (yet): their disk is their own");
        }
        String network = post.network() == null || post.network().isBlank() ? NetworkConfig.DEFAULT_NETWORK
                : post.network().equals("none") ? null : post.network();
        List<PublishedPort> ports = post.ports() == null ? List.of()
                : post.ports().stream().map(PublishedPort::parse).toList();
        if (network == null && !ports.isEmpty()) {
            throw new InvalidException("invalid_port", "an instance with network none has no ports to publish");
        }
        PublishedPort.requireDistinct(ports);
        return new InstanceSpec(post.name(), image, command, env, volumes, RestartPolicy.parse(post.restart()), memMb,
                cpus, pids, network, ports, isolation);
    }

    /**
     * Instances run OCI images: in a container (the default, also for instances stored before isolation was
     * a field), in gVisor or in a microVM; auto picks gvisor, as it does for an image workload.
     */
    static Isolation isolation(String wire) {
        if (wire == null) {
            return Isolation.CONTAINER;
        }
        Isolation isolation;
        try {
            isolation = Isolation.parse(wire);
        } catch (IllegalArgumentException e) {
            throw new InvalidException("invalid_isolation", e.getMessage());
        }
        return switch (isolation) {
            case AUTO, GVISOR -> Isolation.GVISOR;
            case CONTAINER -> Isolation.CONTAINER;
            case MICROVM -> Isolation.MICROVM;
            case ISOLATE -> throw new InvalidException("invalid_isolation", "instances run OCI images in"
                    + " isolation container, gvisor or microvm (or auto: gvisor), not " + isolation.wire());
        };
    }
}
