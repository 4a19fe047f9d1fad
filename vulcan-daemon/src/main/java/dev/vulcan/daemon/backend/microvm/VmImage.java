package dev.vulcan.daemon.backend.microvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The boot image scripts/vm-images builds: a kernel and an initramfs whose /init is the guest
 * agent. The id hashes everything that went into it, so caches keyed by it (the accelerator
 * verdict, later snapshots) go stale exactly when the image changes.
 */
public record VmImage(String id, Path kernel, Path initramfs, String kernelVersion) {

    /** Where scripts/setup puts it. */
    public static final Path DEFAULT_DIR = Path.of("/var/cache/vulcan/vm");

    public VmImage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initramfs, "initramfs");
        Objects.requireNonNull(kernelVersion, "kernelVersion");
        if (!id.matches("[0-9a-f]{16,64}")) {
            throw new IllegalArgumentException("bad image id " + id);
        }
    }

    /** Reads DIR/image.json; fails with a message that says what to run when anything is missing. */
    public static VmImage load(Path dir, JsonMapper json) throws IOException {
        Path manifest = dir.resolve("image.json");
        if (!Files.isRegularFile(manifest)) {
            throw new IOException("no microVM image at " + dir + " (run scripts/setup or scripts/vm-images)");
        }
        try {
            JsonNode m = json.readTree(Files.readString(manifest));
            VmImage image = new VmImage(m.path("id").asString(), dir.resolve(m.path("kernel").asString()),
                    dir.resolve(m.path("initramfs").asString()), m.path("kernel_version").asString());
            for (Path file : new Path[] {image.kernel, image.initramfs}) {
                if (!Files.isRegularFile(file) || Files.size(file) == 0) {
                    throw new IOException("microVM image " + dir + " lacks " + file.getFileName() + " (run scripts/vm-images --force)");
                }
            }
            return image;
        } catch (JacksonException | IllegalArgumentException e) {
            throw new IOException("corrupt microVM image manifest " + manifest + ": " + e.getMessage(), e);
        }
    }
}
