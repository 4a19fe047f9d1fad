package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.image.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm starts: a runtime VM booted once, its rootfs mounted and its interpreter run once (so its
 * files are in the guest's page cache), then saved by QEMU's migration to a file. Later workloads
 * continue from there instead of booting. A snapshot is the pair (memory, disk.qcow2): the disk
 * overlay as it was at the moment of the save, copied for every restore, so the guest's view of its
 * disk (mounted, cached) matches the disk it gets. Keyed by everything the saved state depends on:
 * the boot image (kernel, initramfs, agent), the image's manifest digest, QEMU, the accelerator,
 * vCPUs and RAM; a change of any gives a new key, and so a fresh snapshot.
 */
final class WarmSnapshots {

    private static final Logger log = LoggerFactory.getLogger(WarmSnapshots.class);

    /** One saved VM: its state and its disk overlay at the moment of the save. */
    record Snapshot(String key, Path memory, Path disk) {}

    /** Boots, prepares and saves a VM into the files given. */
    @FunctionalInterface
    interface Builder {
        void build(Path memory, Path disk) throws IOException;
    }

    private final Path dir;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    WarmSnapshots(Path dir) {
        this.dir = dir;
    }

    static String key(String bootImageId, Digest imageDigest, String qemuVersion, Accelerator accelerator, int cpus,
            int memoryMb) {
        String material = String.join("\n", bootImageId, imageDigest.toString(), qemuVersion,
                accelerator.getClass().getSimpleName(), Integer.toString(cpus), Integer.toString(memoryMb));
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The snapshot of this key, built by the builder the first time (one build per key at a time). */
    Snapshot get(String key, Builder builder) throws IOException {
        Path target = dir.resolve(key);
        Snapshot snapshot = new Snapshot(key, target.resolve("memory"), target.resolve("disk.qcow2"));
        if (Files.isDirectory(target)) {
            return snapshot;
        }
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            if (Files.isDirectory(target)) {
                return snapshot;
            }
            long started = System.nanoTime();
            Path work = dir.resolve(".build-" + key + "-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectories(work);
            try {
                builder.build(work.resolve("memory"), work.resolve("disk.qcow2"));
                Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                QemuVm.deleteTree(work);
            }
            log.atInfo().setMessage("warm snapshot saved").addKeyValue("key", key)
                    .addKeyValue("bytes", Files.size(snapshot.memory()))
                    .addKeyValue("ms", (System.nanoTime() - started) / 1_000_000).log();
        }
        return snapshot;
    }

    /** Half-written snapshots of a killed daemon; the finished ones stay (they are the cache). */
    void sweep() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> left = Files.list(dir)) {
            left.filter(p -> p.getFileName().toString().startsWith(".build-")).forEach(QemuVm::deleteTree);
        } catch (IOException e) {
            log.atWarn().setMessage("cannot sweep warm snapshots").addKeyValue("dir", dir).setCause(e).log();
        }
    }
}
