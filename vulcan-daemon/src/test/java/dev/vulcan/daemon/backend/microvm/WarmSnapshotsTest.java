package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.image.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class WarmSnapshotsTest {

    private static final Digest A = Digest.parse("sha256:" + "a".repeat(64));
    private static final Digest B = Digest.parse("sha256:" + "b".repeat(64));
    private static final Accelerator TCG = new Accelerator.Tcg("test");

    @TempDir
    Path dir;

    @Test
    void theKeyChangesWithEverythingTheSavedStateDependsOn() {
        String key = WarmSnapshots.key("boot1", A, "qemu 7.2", TCG, 1, 256);
        assertThat(key).hasSize(32).isEqualTo(WarmSnapshots.key("boot1", A, "qemu 7.2", new Accelerator.Tcg("other reason"), 1, 256));
        assertThat(List.of(
                WarmSnapshots.key("boot2", A, "qemu 7.2", TCG, 1, 256),   // kernel, initramfs or agent
                WarmSnapshots.key("boot1", B, "qemu 7.2", TCG, 1, 256),   // the image
                WarmSnapshots.key("boot1", A, "qemu 8.0", TCG, 1, 256),
                WarmSnapshots.key("boot1", A, "qemu 7.2", new Accelerator.Kvm("x"), 1, 256),
                WarmSnapshots.key("boot1", A, "qemu 7.2", TCG, 2, 256),
                WarmSnapshots.key("boot1", A, "qemu 7.2", TCG, 1, 512))).doesNotContain(key).doesNotHaveDuplicates();
    }

    @Test
    void aSnapshotIsBuiltOnceAndAFailedBuildLeavesNothing() throws Exception {
        WarmSnapshots snapshots = new WarmSnapshots(dir);
        AtomicInteger builds = new AtomicInteger();
        assertThatThrownBy(() -> snapshots.get("k1", (memory, disk) -> {
            Files.writeString(memory, "half");
            throw new IOException("guest died");
        })).hasMessage("guest died");
        assertThat(dir).isEmptyDirectory();
        WarmSnapshots.Builder builder = (memory, disk) -> {
            builds.incrementAndGet();
            Files.writeString(memory, "state");
            Files.writeString(disk, "disk");
        };
        WarmSnapshots.Snapshot first = snapshots.get("k1", builder);
        WarmSnapshots.Snapshot second = snapshots.get("k1", builder);
        assertThat(builds).hasValue(1);
        assertThat(second).isEqualTo(first);
        assertThat(first.memory()).hasContent("state");
        assertThat(first.disk()).hasContent("disk");
    }

    @Test
    void theWarmUpRunsTheRuntimesInterpreter() {
        assertThat(MicroVmExecution.warmUp(CodeImage.PYTHON)).startsWith("/usr/bin/python3", "-c");
        assertThat(MicroVmExecution.warmUp(CodeImage.NODE)).containsExactly("/usr/bin/node", "-e", "0");
    }

    @Test
    void aRestoredVmStreamsItsStateInThroughCat() {
        QemuDriver driver = new QemuDriver(Path.of("/usr/bin/qemu-system-x86_64"), new TscFrequency(2_596_126),
                JsonMapper.builder().build(), "qemu 7.2.22");
        VmImage image = new VmImage("0123456789abcdef", Path.of("/img/vmlinuz"), Path.of("/img/initramfs.cpio.gz"), "6.1");
        List<String> c = driver.command(new VmSpec("vm-1", image, TCG, 1, 128, Path.of("/run/vm-1"), List.of(),
                Path.of("/run/d.qcow2"), Path.of("/snap/k/memory")));
        assertThat(String.join(" ", c)).endsWith("-incoming exec:cat /snap/k/memory");
        assertThatThrownBy(() -> new VmSpec("vm-1", image, TCG, 1, 128, Path.of("/run/vm-1"), List.of(), null,
                Path.of("/snap/a b;rm -rf x"))).isInstanceOf(IllegalArgumentException.class);
    }
}
