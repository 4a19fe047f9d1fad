package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.image.ImageReference;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One run-to-completion container: its id, image, command (a shell string or exec-form args, at most
 * one), limits and whether the root file system is read-only.
 */
public record ContainerSpec(String id, ImageReference image, String cmd, List<String> args, Resources resources,
        Duration timeout, boolean readOnlyRootfs) {

    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");

    public ContainerSpec {
        if (id == null || !ID.matcher(id).matches()) throw new IllegalArgumentException("invalid container id: " + id);
        if (image == null) throw new IllegalArgumentException("image is required");
        if (cmd != null && args != null && !args.isEmpty()) throw new IllegalArgumentException("give cmd or args, not both");
        args = args == null ? List.of() : List.copyOf(args);
        if (resources == null) throw new IllegalArgumentException("resources are required");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
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
