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

/**
 * What a kill -9 of the daemon leaves (run dirs, disk overlays, half-built caches) is gone at the next
 * start, and so are finished caches nothing current can use; an image removal takes its caches along.
 */
class MicroVmSweepTest {

    @TempDir
    Path dir;

    @Test
    void startUpDeletesRunDirsOverlaysHalfBuiltAndStaleCachesButKeepsCurrentOnesUntilTheirImageIsRemoved() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        ImageStore images = ImageStore.open(dir.resolve("images"), json, RegistryTrust.defaults(dir.resolve("certs.d")));
        var ref = dev.vulcan.daemon.image.ImageReference.parse("localhost/vulcan-test/sweep:1");
        var live = RootfsImagesTest.importImage(images, dir, ref.toString(), "live");
        var gone = dev.vulcan.daemon.image.Digest.parse("sha256:" + "e".repeat(64));
        Path state = dir.resolve("microvm");
        Files.createDirectories(state.resolve("run/wl-x"));
        Files.writeString(state.resolve("run/wl-x/qemu.log"), "x");
        Files.writeString(state.resolve("run/wl-x.root.qcow2"), "overlay");
        Files.createDirectories(state.resolve("rootfs/.build-1/merged"));
        Files.writeString(state.resolve("rootfs/" + live.hex() + ".ext4"), "image");
        Files.writeString(state.resolve("rootfs/" + gone.hex() + ".ext4"), "image of an image no longer in the store");
        Files.createDirectories(state.resolve("snapshots/.build-k-1"));
        Files.createDirectories(state.resolve("snapshots/k2")); // no key file: of an older daemon
        WarmSnapshots.Builder files = (memory, disk, ram) -> {
            Files.writeString(memory, "m");
            Files.writeString(disk, "d");
            Files.writeString(ram, "r");
        };
        var accelerator = new Accelerator.Tcg("test");
        var current = new WarmSnapshots.Meta("image", "boot", live, "qemu", accelerator, 1, 256);
        var stale = new WarmSnapshots.Meta("image", "boot", gone, "qemu", accelerator, 1, 256);
        WarmSnapshots writer = new WarmSnapshots(state.resolve("snapshots"), 8, () -> { });
        writer.get(current, files).close();
        writer.get(stale, files).close();
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
        // no boot image in this dir: only the image digests can be judged before the probe
        try (MicroVmBackend backend = new MicroVmBackend(MicroVmBackend.Config.defaults(state).withImageDir(dir.resolve("no-vm")), json, images,
                new BaseImages(images, dir.resolve("base")), mounts, none, 4096)) {
            assertThat(state.resolve("run")).isEmptyDirectory();
            assertThat(state.resolve("rootfs/.build-1")).doesNotExist();
            assertThat(unmounted).containsExactly(state.resolve("rootfs/.build-1/merged"));
            assertThat(state.resolve("rootfs/" + live.hex() + ".ext4")).exists();
            // rootfs images go once the daemon says every instance disk pinned its base
            assertThat(state.resolve("rootfs/" + gone.hex() + ".ext4")).exists();
            backend.collect();
            assertThat(state.resolve("rootfs/" + live.hex() + ".ext4")).exists();
            assertThat(state.resolve("rootfs/" + gone.hex() + ".ext4")).doesNotExist();
            assertThat(state.resolve("snapshots/.build-k-1")).doesNotExist();
            assertThat(state.resolve("snapshots/k2")).doesNotExist();
            assertThat(state.resolve("snapshots/" + stale.key())).doesNotExist();
            assertThat(state.resolve("snapshots/" + current.key())).exists();

            images.remove(ref); // vulcan image rm
            assertThat(state.resolve("rootfs/" + live.hex() + ".ext4")).doesNotExist();
            assertThat(state.resolve("snapshots/" + current.key())).doesNotExist();
        }
    }

    @Test
    void startUpDeletesTheSnapshotsOfAnotherBootImage() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        ImageStore images = ImageStore.open(dir.resolve("images"), json, RegistryTrust.defaults(dir.resolve("certs.d")));
        var digest = RootfsImagesTest.importImage(images, dir, "localhost/vulcan-test/boot:1", "boot");
        Path boot = dir.resolve("vm");
        Files.createDirectories(boot);
        Files.writeString(boot.resolve("vmlinuz"), "kernel");
        Files.writeString(boot.resolve("initramfs.cpio.gz"), "initramfs");
        String current = "0123456789abcdef0123456789abcdef";
        Files.writeString(boot.resolve("image.json"), "{\"id\":\"" + current + "\",\"kernel\":\"vmlinuz\","
                + "\"initramfs\":\"initramfs.cpio.gz\",\"kernel_version\":\"6.1\"}");
        Path state = dir.resolve("microvm");
        WarmSnapshots writer = new WarmSnapshots(state.resolve("snapshots"), 8, () -> { });
        var accelerator = new Accelerator.Tcg("test");
        var ofCurrent = new WarmSnapshots.Meta("image", current, digest, "qemu", accelerator, 1, 256);
        var ofOld = new WarmSnapshots.Meta("image", "fedcba9876543210fedcba9876543210", digest, "qemu", accelerator, 1, 256);
        WarmSnapshots.Builder files = (memory, disk, ram) -> {
            Files.writeString(memory, "m");
            Files.writeString(disk, "d");
            Files.writeString(ram, "r");
        };
        writer.get(ofCurrent, files).close();
        writer.get(ofOld, files).close();
        ProcessRunner none = (argv, deadline) -> {
            throw new IOException("no process at start-up");
        };
        try (MicroVmBackend backend = new MicroVmBackend(MicroVmBackend.Config.defaults(state).withImageDir(boot), json, images,
                new BaseImages(images, dir.resolve("base")), new Mounts.Native(), none, 4096)) {
            // a new kernel, initramfs or agent: the old one's snapshots cannot be restored by it
            assertThat(state.resolve("snapshots/" + ofOld.key())).doesNotExist();
            assertThat(state.resolve("snapshots/" + ofCurrent.key())).exists();
        }
    }
}
