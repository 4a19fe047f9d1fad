package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.backend.oci.Mounts;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.image.RegistryTrust;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** What a kill -9 of the daemon leaves (run dirs, disk overlays, half-built caches) is gone at the next start. */
class MicroVmSweepTest {

    @TempDir
    Path dir;

    @Test
    void startUpDeletesRunDirsOverlaysAndHalfBuiltCachesButKeepsFinishedOnes() throws Exception {
        Path state = dir.resolve("microvm");
        Files.createDirectories(state.resolve("run/wl-x"));
        Files.writeString(state.resolve("run/wl-x/qemu.log"), "x");
        Files.writeString(state.resolve("run/wl-x.root.qcow2"), "overlay");
        Files.createDirectories(state.resolve("rootfs/.build-1/merged"));
        Files.writeString(state.resolve("rootfs/abc.ext4"), "image");
        Files.createDirectories(state.resolve("snapshots/.build-k-1"));
        Files.createDirectories(state.resolve("snapshots/k2"));
        List<Path> unmounted = new ArrayList<>();
        Mounts mounts = new Mounts() {
            @Override
            public void overlay(Path target, String options) {
                throw new AssertionError("no mount at start-up");
            }

            @Override
            public boolean unmount(Path target) {
                unmounted.add(target);
                return false;
            }
        };
        ProcessRunner none = (argv, deadline) -> {
            throw new IOException("no process at start-up");
        };
        JsonMapper json = JsonMapper.builder().build();
        ImageStore images = ImageStore.open(dir.resolve("images"), json, RegistryTrust.defaults(dir.resolve("certs.d")));
        try (MicroVmBackend backend = new MicroVmBackend(MicroVmBackend.Config.defaults(state), json, images,
                new BaseImages(images, dir.resolve("base")), mounts, none, 4096)) {
            assertThat(state.resolve("run")).isEmptyDirectory();
            assertThat(state.resolve("rootfs/.build-1")).doesNotExist();
            assertThat(unmounted).containsExactly(state.resolve("rootfs/.build-1/merged"));
            assertThat(state.resolve("rootfs/abc.ext4")).exists();
            assertThat(state.resolve("snapshots/.build-k-1")).doesNotExist();
            assertThat(state.resolve("snapshots/k2")).exists();
        }
    }
}
