package dev.vulcan.daemon.backend.microvm;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Guest RAM in a file instead of anonymous memory, for warm starts: the VM that is saved writes its
 * RAM straight into the file ({@code shared}: MAP_SHARED), and the migration skips it
 * ({@code x-ignore-shared}), so the saved state is only the devices'. A restored VM maps the same file
 * privately (MAP_PRIVATE, copy-on-write): it starts with the saved RAM without reading a stream, pages
 * come in from the host's page cache as the guest touches them, its writes stay its own, and the pages
 * it only reads are shared by every VM restored from that file.
 */
public record SnapshotRam(Path file, boolean shared) {

    static final String BACKEND_ID = "vulcan-ram";

    public SnapshotRam {
        Objects.requireNonNull(file, "file");
    }

    /** The QEMU options: the backend object (the machine property that uses it is {@link #machineOption}). */
    List<String> qemuArgs(int memoryMb) {
        return List.of("-object", "memory-backend-file,id=" + BACKEND_ID + ",size=" + memoryMb + "M,mem-path="
                + file.toAbsolutePath() + ",share=" + (shared ? "on" : "off"));
    }

    /**
     * The migration capability both sides set over QMP before migrating (QEMU 7.2 has no command-line
     * property for it): the saving side leaves the shared RAM out, the loading side expects it left out.
     * A loading VM therefore starts with {@code -incoming defer} and gets its URI after the capability.
     */
    static tools.jackson.databind.node.ObjectNode ignoreShared() {
        var factory = tools.jackson.databind.node.JsonNodeFactory.instance;
        var capability = factory.objectNode().put("capability", "x-ignore-shared").put("state", true);
        return factory.objectNode().set("capabilities", factory.arrayNode().add(capability));
    }

    /** What to append to {@code -M microvm}. */
    static String machineOption() {
        return ",memory-backend=" + BACKEND_ID;
    }
}
