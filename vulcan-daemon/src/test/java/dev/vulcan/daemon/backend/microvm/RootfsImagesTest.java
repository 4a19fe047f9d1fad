package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RootfsImagesTest {

    @Test
    void theTopLayerComesFirstAndTheEmptyDirLast() {
        assertThat(RootfsImages.lowerdir(List.of(Path.of("/l/base"), Path.of("/l/top")), Path.of("/w/empty")))
                .isEqualTo("/l/top:/l/base:/w/empty");
        // one layer still makes two lower dirs: overlayfs refuses a single one without an upper dir
        assertThat(RootfsImages.lowerdir(List.of(Path.of("/l/only")), Path.of("/w/empty"))).isEqualTo("/l/only:/w/empty");
        assertThatThrownBy(() -> RootfsImages.lowerdir(List.of(Path.of("/l/a:b")), Path.of("/e")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theImageHoldsTheContentWithRoomToSpareInWholeMebibytes() {
        long size = RootfsImages.sizeBytes(100L * 1024 * 1024, 1000);
        assertThat(size % (1024 * 1024)).isZero();
        assertThat(size).isGreaterThan(125L * 1024 * 1024 + RootfsImages.HEADROOM);
        assertThat(RootfsImages.sizeBytes(0, 1)).isEqualTo(RootfsImages.HEADROOM + 1024 * 1024);
    }

    @Test
    void mkfsBuildsFromTheMergedTreeAndOverlaysReadTheRawBase() {
        assertThat(RootfsImages.mkfs(Path.of("/m"), Path.of("/i.ext4"))).startsWith("mkfs.ext4").containsSequence("-d", "/m")
                .endsWith("/i.ext4").containsSequence("-O", "^has_journal");
        assertThat(RootfsImages.overlayCommand(Path.of("/b.ext4"), Path.of("/o.qcow2"))).containsExactly(
                "qemu-img", "create", "-q", "-f", "qcow2", "-b", "/b.ext4", "-F", "raw", "/o.qcow2");
    }

    /** A one-file layer tar, for images that are only ever resolved (never unpacked) here. */
    static byte[] layer(String name, String content) throws java.io.IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
            byte[] data = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
            entry.setSize(data.length);
            tar.putArchiveEntry(entry);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    /** Imports a one-layer image under the name; returns its manifest digest. */
    static dev.vulcan.daemon.image.Digest importImage(dev.vulcan.daemon.image.ImageStore store, Path work, String name,
            String content) throws java.io.IOException {
        Path layout = work.resolve("layout-" + content);
        dev.vulcan.daemon.image.Digest d = dev.vulcan.daemon.image.TestImages.ociLayout(layout, null, List.of(layer("version", content)));
        store.importImage(layout, dev.vulcan.daemon.image.ImageReference.parse(name));
        return d;
    }

    @Test
    void collectionDeletesTheBasesOfImagesNoLongerInTheStoreButNotOneARunningVmReads(
            @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        var store = dev.vulcan.daemon.image.ImageStore.open(tmp.resolve("images"), tools.jackson.databind.json.JsonMapper.builder().build(),
                dev.vulcan.daemon.image.RegistryTrust.defaults(tmp.resolve("certs.d")));
        var used = dev.vulcan.daemon.image.ImageReference.parse("localhost/vulcan-test/used:1");
        var gone = dev.vulcan.daemon.image.ImageReference.parse("localhost/vulcan-test/gone:1");
        var usedDigest = importImage(store, tmp, used.toString(), "used");
        var goneDigest = importImage(store, tmp, gone.toString(), "gone");
        Path dir = tmp.resolve("rootfs");
        java.nio.file.Files.createDirectories(dir);
        // finished bases, as builds leave them: base() then finds them without building
        for (var d : List.of(usedDigest, goneDigest)) {
            java.nio.file.Files.writeString(dir.resolve(d.hex() + ".ext4"), "ext4");
        }
        RootfsImages rootfs = new RootfsImages(store, dir, null, null);
        assertThat(rootfs.acquire(used, "wl-1")).isEqualTo(dir.resolve(usedDigest.hex() + ".ext4"));

        store.remove(used);
        store.remove(gone);
        assertThat(rootfs.collect(store.manifestDigests())).containsExactly(dir.resolve(goneDigest.hex() + ".ext4"));
        assertThat(dir.resolve(usedDigest.hex() + ".ext4")).as("a running VM's overlay reads it").exists();

        rootfs.release("wl-1");
        assertThat(rootfs.collect(store.manifestDigests())).containsExactly(dir.resolve(usedDigest.hex() + ".ext4"));
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aBasePinnedByAnInstanceDiskOutlivesItsImage(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        var store = dev.vulcan.daemon.image.ImageStore.open(tmp.resolve("images"), tools.jackson.databind.json.JsonMapper.builder().build(),
                dev.vulcan.daemon.image.RegistryTrust.defaults(tmp.resolve("certs.d")));
        var ref = dev.vulcan.daemon.image.ImageReference.parse("localhost/vulcan-test/pinned:1");
        var digest = importImage(store, tmp, ref.toString(), "pinned");
        Path dir = java.nio.file.Files.createDirectories(tmp.resolve("rootfs"));
        Path base = java.nio.file.Files.writeString(dir.resolve(digest.hex() + ".ext4"), "ext4");
        RootfsImages rootfs = new RootfsImages(store, dir, null, null);
        java.util.Set<Path> pinned = new java.util.HashSet<>(java.util.Set.of(base));
        rootfs.pin(() -> java.util.Set.copyOf(pinned));

        store.remove(ref);
        assertThat(rootfs.collect(store.manifestDigests())).isEmpty();
        assertThat(base).as("an instance's overlay reads it across its runs").exists();

        pinned.clear(); // the instance was removed
        assertThat(rootfs.collect(store.manifestDigests())).containsExactly(base);
    }

    @Test
    void hostMemoryIsMemTotalInMebibytes() {
        assertThat(HostMemory.parseTotalMb("MemTotal:        8048576 kB\nMemFree: 1 kB\n")).isEqualTo(7859);
        assertThat(HostMemory.parseTotalMb("nothing")).isEqualTo(-1);
    }
}
