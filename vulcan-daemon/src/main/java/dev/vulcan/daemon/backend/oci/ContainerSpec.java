package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.image.ImageReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One container: its id, image, command (a shell string or exec-form args, at most one), limits, whether
 * the root file system is read-only, bind mounts, environment entries added to the image's and the
 * security options beyond Docker's defaults; network null runs it in a fresh network namespace with only
 * loopback, else in the prepared one with its host name and resolv.conf, hosts and hostname files.
 */
public record ContainerSpec(String id, ImageReference image, String cmd, List<String> args, Resources resources,
        Duration timeout, boolean readOnlyRootfs, List<Mount> mounts, List<String> env, Security security,
        NetworkJoin network) {

    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");

    public ContainerSpec {
        if (id == null || !ID.matcher(id).matches()) throw new IllegalArgumentException("invalid container id: " + id);
        if (image == null) throw new IllegalArgumentException("image is required");
        if (cmd != null && args != null && !args.isEmpty()) throw new IllegalArgumentException("give cmd or args, not both");
        args = args == null ? List.of() : List.copyOf(args);
        if (resources == null) throw new IllegalArgumentException("resources are required");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        env = env == null ? List.of() : List.copyOf(env);
        security = security == null ? Security.DEFAULT : security;
        for (String e : env) {
            if (e.indexOf('=') <= 0) throw new IllegalArgumentException("environment entry is not NAME=VALUE: " + e);
        }
    }

    /** The spec in a fresh network namespace with only loopback. */
    public ContainerSpec(String id, ImageReference image, String cmd, List<String> args, Resources resources,
            Duration timeout, boolean readOnlyRootfs, List<Mount> mounts, List<String> env, Security security) {
        this(id, image, cmd, args, resources, timeout, readOnlyRootfs, mounts, env, security, null);
    }

    /** The spec with the default security options. */
    public ContainerSpec(String id, ImageReference image, String cmd, List<String> args, Resources resources,
            Duration timeout, boolean readOnlyRootfs, List<Mount> mounts, List<String> env) {
        this(id, image, cmd, args, resources, timeout, readOnlyRootfs, mounts, env, Security.DEFAULT);
    }

    /** The spec with no mounts and no extra environment. */
    public ContainerSpec(String id, ImageReference image, String cmd, List<String> args, Resources resources,
            Duration timeout, boolean readOnlyRootfs) {
        this(id, image, cmd, args, resources, timeout, readOnlyRootfs, List.of(), List.of());
    }

    /**
     * Security options on top of the fixed defaults (capabilities, masked paths, no new privileges).
     *
     * @param seccomp whether to install the default seccomp profile ({@link SeccompProfile}); off only for
     *                tests that show what the profile stops and for nested nodes
     * @param userns  whether container root is remapped to an unprivileged host uid/gid range
     */
    public record Security(boolean seccomp, boolean userns) {
        public static final Security DEFAULT = new Security(true, false);
    }

    /** A bind mount of a host path (file or directory) into the container. */
    public record Mount(Path source, String destination, boolean readOnly) {
        public Mount {
            if (source == null || !source.isAbsolute()) throw new IllegalArgumentException("mount source must be absolute: " + source);
            if (destination == null || !destination.startsWith("/") || destination.contains("/../") || destination.endsWith("/.."))
                throw new IllegalArgumentException("mount destination must be an absolute path without '..': " + destination);
        }
    }

    /** Cgroup limits; 0 means unlimited. */
    public record Resources(long memoryBytes, double cpus, long pids) {
        public static final Resources NONE = new Resources(0, 0, 0);

        public Resources {
            if (memoryBytes < 0 || cpus < 0 || pids < 0) throw new IllegalArgumentException("limits must not be negative");
            if (memoryBytes > 0 && memoryBytes < 4L * 1024 * 1024) throw new IllegalArgumentException("memory limit below 4 MiB");
        }
    }
}
