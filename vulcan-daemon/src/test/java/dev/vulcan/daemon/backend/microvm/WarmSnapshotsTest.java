package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.image.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class WarmSnapshotsTest {

    private static final Digest A = Digest.parse("sha256:" + "a".repeat(64));
    private static final Digest B = Digest.parse("sha256:" + "b".repeat(64));
    private static final Accelerator TCG = new Accelerator.Tcg("test");
    private static final WarmSnapshots.Builder WRITES = (memory, disk, ram) -> {
        Files.writeString(memory, "state");
        Files.writeString(disk, "disk");
        Files.writeString(ram, "ram");
    };

    @TempDir
    Path dir;

    private static WarmSnapshots.Meta meta(String flavour, Digest image) {
        return new WarmSnapshots.Meta(flavour, "boot1", image, "qemu 7.2", TCG, 1, 256);
    }

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
                WarmSnapshots.key("boot1", A, "qemu 7.2", TCG, 1, 512),
                meta("zygote-python-0a1b2c", A).key(),                    // a parked interpreter is not a plain VM
                meta("image", A).key())).doesNotContain(key).doesNotHaveDuplicates();
    }

    @Test
    void aSnapshotIsBuiltOnceAndAFailedBuildLeavesNothing() throws Exception {
        WarmSnapshots snapshots = new WarmSnapshots(dir);
        AtomicInteger builds = new AtomicInteger();
        assertThatThrownBy(() -> snapshots.get(meta("image", A), (memory, disk, ram) -> {
            Files.writeString(memory, "half");
            throw new IOException("guest died");
        })).hasMessage("guest died");
        assertThat(dir).isEmptyDirectory();
        // a key whose save failed is not tried again at once: its workloads boot instead of failing a save each
        assertThatThrownBy(() -> snapshots.get(meta("image", A), WRITES)).hasMessageContaining("failed less than");
        WarmSnapshots.Builder builder = (memory, disk, ram) -> {
            builds.incrementAndGet();
            WRITES.build(memory, disk, ram);
        };
        WarmSnapshots.Snapshot first;
        try (WarmSnapshots.Lease lease = snapshots.get(meta("image", B), builder)) {
            first = lease.snapshot();
        }
        try (WarmSnapshots.Lease lease = snapshots.get(meta("image", B), builder)) {
            assertThat(lease.snapshot()).isEqualTo(first);
        }
        assertThat(builds).hasValue(1);
        assertThat(first.memory()).hasContent("state");
        assertThat(first.disk()).hasContent("disk");
        assertThat(first.ram()).hasContent("ram");
        assertThat(first.memory().resolveSibling("key.properties")).content().contains(B.hex(), "flavour=image");
    }

    @Test
    void collectionDeletesWhatIsStaleOrUnreadableAndKeepsTheMostRecentlyUsedWithinTheBound() throws Exception {
        WarmSnapshots snapshots = new WarmSnapshots(dir, 2, () -> { });
        for (WarmSnapshots.Meta m : List.of(meta("image", A), meta("image", B), meta("code", A))) {
            snapshots.get(m, WRITES).close();
        }
        Files.createDirectories(dir.resolve("0123456789abcdef0123456789abcdef")); // no key file: of an older daemon
        long now = System.currentTimeMillis();
        Files.setLastModifiedTime(dir.resolve(meta("image", A).key()), FileTime.fromMillis(now - 1000));
        Files.setLastModifiedTime(dir.resolve(meta("image", B).key()), FileTime.fromMillis(now - 3000));
        Files.setLastModifiedTime(dir.resolve(meta("code", A).key()), FileTime.fromMillis(now - 2000));

        // image B left the store: stale; of the rest, the bound keeps the 2 most recently used
        assertThat(snapshots.collect(m -> !m.image().equals(B))).containsExactlyInAnyOrder(
                meta("image", B).key(), "0123456789abcdef0123456789abcdef");
        assertThat(dir.resolve(meta("image", A).key())).isDirectory();
        assertThat(dir.resolve(meta("code", A).key())).isDirectory();

        // a new one pushes the least recently used out (the default after-build collection applies the bound)
        WarmSnapshots bounded = new WarmSnapshots(dir, 2, null);
        bounded.get(meta("image", B), WRITES).close();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    meta("image", A).key(), meta("image", B).key());
        }
    }

    @Test
    void collectionWaitsForARestoreThatHoldsItsLease() throws Exception {
        WarmSnapshots snapshots = new WarmSnapshots(dir, 4, () -> { });
        WarmSnapshots.Lease lease = snapshots.get(meta("image", A), WRITES);
        Thread collector = Thread.ofVirtual().start(() -> snapshots.collect(m -> false));
        collector.join(java.time.Duration.ofMillis(300));
        assertThat(collector.isAlive()).as("collection waits while the restore has the files").isTrue();
        assertThat(lease.snapshot().memory()).exists();
        lease.close();
        collector.join();
        assertThat(dir.resolve(meta("image", A).key())).doesNotExist();
    }

    @Test
    void theWarmUpRunsTheRuntimesInterpreterAndPythonParksAZygote() {
        assertThat(WarmStart.warmUp(CodeImage.PYTHON)).startsWith("/usr/bin/python3", "-c");
        assertThat(WarmStart.warmUp(CodeImage.NODE)).containsExactly("/usr/bin/node", "-e", "0");
        assertThat(WarmStart.of(new GuestWork.Shell("true"))).isNull();
        assertThat(WarmStart.of(new GuestWork.Code(CodeImage.PYTHON, CodeImage.PYTHON.image(), "", null))).isEqualTo(WarmStart.ZYGOTE);
        assertThat(WarmStart.of(new GuestWork.Code(CodeImage.NODE, CodeImage.NODE.image(), "", null))).isEqualTo(WarmStart.INTERPRETER);
        // the zygote's script is part of its flavour, so of the key: a changed script gives fresh snapshots
        assertThat(WarmStart.ZYGOTE.flavour(new GuestWork.Code(CodeImage.PYTHON, CodeImage.PYTHON.image(), "", null)))
                .isEqualTo("zygote-python-" + Zygote.version(CodeImage.PYTHON)).hasSize("zygote-python-".length() + 12);
        assertThat(Zygote.command(CodeImage.PYTHON)).hasValueSatisfying(c -> {
            assertThat(c.inRootfs()).isTrue();
            assertThat(c.timeout()).as("the host enforces it: the guest's clock at the save is not the restore's").isNull();
            assertThat(c.argv().get(2)).contains(Zygote.READY, "/vulcan/entry.py", "clock_settime_ns", "/dev/urandom");
        });
    }

    @Test
    void aZygoteGetsItsFilesClockAndSeedAsOneJsonDocument() {
        JsonMapper json = JsonMapper.builder().build();
        byte[] payload = Zygote.payload(List.of(new Zygote.File("main.py", false, "x = 1".getBytes()),
                new Zygote.File("bin/run", true, new byte[] {0, 1})), java.time.Instant.ofEpochSecond(5, 7), new byte[] {1, 2}, "ab", json);
        var node = json.readTree(payload);
        assertThat(node.path("clock_ns").asLong()).isEqualTo(5_000_000_007L);
        assertThat(node.path("seed").asString()).isEqualTo("0102");
        assertThat(node.path("files").get(0).toString()).isEqualTo("[\"main.py\",420,\"eCA9IDE=\"]");
        assertThat(node.path("files").get(1).get(1).asInt()).isEqualTo(0755);
        assertThat(node.path("marker").asString()).isEqualTo(ResultTrailer.marker("ab"));
    }

    @Test
    void aRestoredVmMapsItsRamFileAndGetsItsStateOnceTheCapabilityIsSet() {
        QemuDriver driver = new QemuDriver(Path.of("/usr/bin/qemu-system-x86_64"), new TscFrequency(2_596_126),
                JsonMapper.builder().build(), "qemu 7.2.22");
        VmImage image = new VmImage("0123456789abcdef", Path.of("/img/vmlinuz"), Path.of("/img/initramfs.cpio.gz"), "6.1");
        String plain = String.join(" ", driver.command(new VmSpec("vm-1", image, TCG, 1, 128, Path.of("/run/vm-1"), List.of(),
                Path.of("/run/d.qcow2"), Path.of("/snap/k/memory"))));
        assertThat(plain).endsWith("-incoming exec:cat /snap/k/memory").contains("-M microvm ");
        String mapped = String.join(" ", driver.command(new VmSpec("vm-1", image, TCG, 1, 128, Path.of("/run/vm-1"), List.of(),
                Path.of("/run/d.qcow2"), Path.of("/snap/k/memory"), new SnapshotRam(Path.of("/snap/k/ram"), false))));
        assertThat(mapped).contains("-M microvm,memory-backend=vulcan-ram ",
                "-object memory-backend-file,id=vulcan-ram,size=128M,mem-path=/snap/k/ram,share=off").endsWith("-incoming defer");
        String saving = String.join(" ", driver.command(new VmSpec("snap-1", image, TCG, 1, 128, Path.of("/run/snap-1"), List.of(),
                Path.of("/run/d.qcow2"), null, new SnapshotRam(Path.of("/snap/.b/ram"), true))));
        assertThat(saving).contains("share=on").doesNotContain("-incoming");
        assertThat(SnapshotRam.ignoreShared().toString()).isEqualTo("{\"capabilities\":[{\"capability\":\"x-ignore-shared\",\"state\":true}]}");
        assertThatThrownBy(() -> new VmSpec("vm-1", image, TCG, 1, 128, Path.of("/run/vm-1"), List.of(), null,
                Path.of("/snap/a b;rm -rf x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VmSpec("vm-1", image, TCG, 1, 128, Path.of("/run/vm-1"), List.of(), null, null,
                new SnapshotRam(Path.of("/snap/a,share=on"), false))).isInstanceOf(IllegalArgumentException.class);
    }
}
