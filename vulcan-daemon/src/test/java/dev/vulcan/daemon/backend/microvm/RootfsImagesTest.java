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

    @Test
    void hostMemoryIsMemTotalInMebibytes() {
        assertThat(HostMemory.parseTotalMb("MemTotal:        8048576 kB\nMemFree: 1 kB\n")).isEqualTo(7859);
        assertThat(HostMemory.parseTotalMb("nothing")).isEqualTo(-1);
    }
}
