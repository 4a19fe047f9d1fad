package dev.vulcan.daemon.backend.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Vulcan-owned parent memory cgroup of a container (cgroup v1): the limit sits here, not on the
 * runtime's own cgroup, so its failure counter survives the runtime's cleanup and an OOM kill can be
 * told from other SIGKILLs.
 */
final class MemoryCgroup {

    private static final Path MEMORY = Path.of("/sys/fs/cgroup/memory");

    private MemoryCgroup() {}

    static Path of(String id) {
        return MEMORY.resolve(BundleBuilder.cgroupParent(id).substring(1));
    }

    static void limit(String id, long bytes) throws IOException {
        if (bytes <= 0) return;
        Path group = of(id);
        Files.createDirectories(group);
        Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(bytes));
    }

    /** How often the limit was hit; 0 when unknown. */
    static long failures(String id) {
        try {
            return Long.parseLong(Files.readString(of(id).resolve("memory.failcnt")).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
