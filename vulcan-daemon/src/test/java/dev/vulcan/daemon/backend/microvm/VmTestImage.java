package dev.vulcan.daemon.backend.microvm;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The boot image the VM ITs boot, and QEMU to boot it with. */
final class VmTestImage {

    private VmTestImage() {}

    /**
     * VULCAN_VM_IMAGES (a boot image built from this checkout's agent, as the daemon's --vm-images takes
     * it) or the one scripts/setup builds; skipped, or failed in CI, without it or without QEMU.
     */
    static Path dir() {
        Path dir = Path.of(System.getenv().getOrDefault("VULCAN_VM_IMAGES", VmImage.DEFAULT_DIR.toString()));
        if (!Files.isExecutable(QemuDriver.DEFAULT_BINARY) || !Files.isRegularFile(dir.resolve("image.json"))) {
            skipOrFail("no QEMU or no boot image in " + dir + " (scripts/setup)");
        }
        return dir;
    }
}
