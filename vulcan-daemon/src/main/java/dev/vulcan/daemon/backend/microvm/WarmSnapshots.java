package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.image.Digest;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm starts: a VM booted once, readied (rootfs mounted; for a code runtime its interpreter parked,
 * see {@link Zygote}) and saved, so later workloads continue from there instead of booting. A
 * snapshot is a directory of three files: {@code ram} (the guest RAM, written by the saved VM itself
 * and mapped copy-on-write by restored ones, see {@link SnapshotRam}), {@code memory} (the device
 * state, QEMU's migration stream without the RAM) and {@code disk.qcow2} (the disk overlay as it was
 * at the save, copied for every restore: the guest has it mounted and cached), plus {@code key.properties}
 * saying what it was made of. Keyed by everything the saved state depends on: the flavour (which
 * runtime's zygote, or a plain image VM), the boot image (kernel, initramfs, agent), the image's
 * manifest digest, QEMU, the accelerator, vCPUs and RAM; a change of any gives a new key, and so a
 * fresh snapshot, and {@link #collect} deletes the ones nothing current can use any more.
 */
final class WarmSnapshots {

    private static final Logger log = LoggerFactory.getLogger(WarmSnapshots.class);
    /** Snapshots kept at most (least recently used go first): each is up to its guest's RAM on disk. */
    static final int DEFAULT_MAX = 8;

    /** What a snapshot was made of; its key is the hash of all of it. */
    record Meta(String flavour, String bootImage, Digest image, String qemu, String accelerator, int cpus, int memoryMb) {

        Meta(String flavour, String bootImage, Digest image, String qemu, Accelerator accelerator, int cpus, int memoryMb) {
            this(flavour, bootImage, image, qemu, accelerator.getClass().getSimpleName(), cpus, memoryMb);
        }

        String key() {
            String material = String.join("\n", flavour, bootImage, image.toString(), qemu, accelerator,
                    Integer.toString(cpus), Integer.toString(memoryMb));
            try {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(hash, 0, 16);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private Properties properties() {
            Properties p = new Properties();
            p.setProperty("flavour", flavour);
            p.setProperty("boot_image", bootImage);
            p.setProperty("image", image.toString());
            p.setProperty("qemu", qemu);
            p.setProperty("accelerator", accelerator);
            p.setProperty("cpus", Integer.toString(cpus));
            p.setProperty("memory_mb", Integer.toString(memoryMb));
            return p;
        }

        private static Meta of(Properties p) {
            return new Meta(p.getProperty("flavour"), p.getProperty("boot_image"), Digest.parse(p.getProperty("image")),
                    p.getProperty("qemu"), p.getProperty("accelerator"), Integer.parseInt(p.getProperty("cpus")),
                    Integer.parseInt(p.getProperty("memory_mb")));
        }
    }

    /** One saved VM. */
    record Snapshot(String key, Path memory, Path disk, Path ram) {}

    /** Boots, readies and saves a VM into the files given. */
    @FunctionalInterface
    interface Builder {
        void build(Path memory, Path disk, Path ram) throws IOException;
    }

    private final Path dir;
    private final int max;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    /** Restores read (their files must stay until QEMU has them open), collection writes. */
    private final ReadWriteLock use = new ReentrantReadWriteLock();

    private final Runnable afterBuild;

    WarmSnapshots(Path dir) {
        this(dir, DEFAULT_MAX, null);
    }

    /** afterBuild: what runs once a new snapshot is saved (null: only the bound is applied). */
    WarmSnapshots(Path dir, int max, Runnable afterBuild) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one snapshot must be kept: " + max);
        }
        this.dir = dir;
        this.max = max;
        this.afterBuild = afterBuild != null ? afterBuild : () -> collect(m -> true);
    }

    /** The key of a code runtime's snapshot (kept for the callers of the first version). */
    static String key(String bootImageId, Digest imageDigest, String qemuVersion, Accelerator accelerator, int cpus,
            int memoryMb) {
        return new Meta("code", bootImageId, imageDigest, qemuVersion, accelerator, cpus, memoryMb).key();
    }

    /** Held from {@link #get} until the restored VM has its files open: {@link #collect} waits for it. */
    interface Lease extends AutoCloseable {
        Snapshot snapshot();

        @Override
        void close();
    }

    /** How long a key whose build failed is not tried again: its workloads boot meanwhile, without a failed save first. */
    static final java.time.Duration RETRY_AFTER = java.time.Duration.ofMinutes(10);
    private final Map<String, Long> failedAt = new ConcurrentHashMap<>();

    /** The snapshot of this meta, built by the builder the first time (one build per key at a time), leased. */
    Lease get(Meta meta, Builder builder) throws IOException {
        String key = meta.key();
        Path target = dir.resolve(key);
        Snapshot snapshot = new Snapshot(key, target.resolve("memory"), target.resolve("disk.qcow2"), target.resolve("ram"));
        if (!Files.isDirectory(target)) {
            synchronized (locks.computeIfAbsent(key, k -> new Object())) {
                if (!Files.isDirectory(target)) {
                    Long failed = failedAt.get(key);
                    if (failed != null && System.nanoTime() - failed < RETRY_AFTER.toNanos()) {
                        throw new IOException("saving " + meta.flavour() + " of " + meta.image() + " failed less than "
                                + RETRY_AFTER.toMinutes() + " minutes ago");
                    }
                    try {
                        build(meta, target, builder);
                        failedAt.remove(key);
                    } catch (IOException | RuntimeException e) {
                        failedAt.put(key, System.nanoTime());
                        throw e;
                    }
                }
            }
        }
        use.readLock().lock();
        if (!Files.isDirectory(target)) { // collected between the build and the lease: rare, and a cold boot is fine
            use.readLock().unlock();
            throw new IOException("the snapshot " + key + " was collected meanwhile");
        }
        try {
            Files.setLastModifiedTime(target, FileTime.fromMillis(System.currentTimeMillis())); // least recently used goes first
        } catch (IOException e) {
            log.atDebug().setMessage("cannot touch a snapshot").addKeyValue("key", key).setCause(e).log();
        }
        return new Lease() {
            private boolean closed;

            @Override
            public Snapshot snapshot() {
                return snapshot;
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    use.readLock().unlock();
                }
            }
        };
    }

    private void build(Meta meta, Path target, Builder builder) throws IOException {
        long started = System.nanoTime();
        Files.createDirectories(dir);
        Path work = dir.resolve(".build-" + meta.key() + "-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(work);
        try {
            builder.build(work.resolve("memory"), work.resolve("disk.qcow2"), work.resolve("ram"));
            try (Writer w = Files.newBufferedWriter(work.resolve("key.properties"))) {
                meta.properties().store(w, "what this snapshot was made of");
            }
            Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            QemuVm.deleteTree(work);
        }
        log.atInfo().setMessage("warm snapshot saved").addKeyValue("key", meta.key()).addKeyValue("flavour", meta.flavour())
                .addKeyValue("image", meta.image()).addKeyValue("state_bytes", Files.size(target.resolve("memory")))
                .addKeyValue("ms", (System.nanoTime() - started) / 1_000_000).log();
        // a new snapshot is the moment an older one (of the image's previous digest, say) became stale
        afterBuild.run();
    }

    /**
     * Deletes the snapshots {@code current} rejects (made of an old kernel, agent, QEMU or an image no
     * longer in the store), those without a readable key file, and then the least recently used beyond
     * the bound. Waits for restores in flight. Returns the keys deleted.
     */
    List<String> collect(Predicate<Meta> current) {
        List<String> deleted = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return deleted;
        }
        use.writeLock().lock();
        try (Stream<Path> all = Files.list(dir)) {
            List<Path> kept = new ArrayList<>();
            for (Path p : all.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                Meta meta = read(p);
                if (meta == null || !current.test(meta)) {
                    delete(p, meta == null ? "no key file" : "stale", deleted);
                } else {
                    kept.add(p);
                }
            }
            kept.sort(Comparator.comparing(WarmSnapshots::lastUsed).reversed());
            for (Path p : kept.subList(Math.min(max, kept.size()), kept.size())) {
                delete(p, "beyond the bound of " + max, deleted);
            }
        } catch (IOException | UncheckedIOException e) {
            log.atWarn().setMessage("cannot collect warm snapshots").addKeyValue("dir", dir).setCause(e).log();
        } finally {
            use.writeLock().unlock();
        }
        return deleted;
    }

    /** VMs being readied for a save: a daemon that shuts down kills them rather than wait for the save. */
    private final java.util.Set<VmDriver.Running> saving = ConcurrentHashMap.newKeySet();

    private volatile boolean aborted;

    void saving(VmDriver.Running vm) {
        saving.add(vm);
        if (aborted) {
            vm.kill(); // the daemon is shutting down: no new saves
        }
    }

    void saved(VmDriver.Running vm) {
        saving.remove(vm);
    }

    /** Kills the VMs of builds in flight (their builds then fail and leave nothing). */
    void abortBuilds() {
        aborted = true;
        saving.forEach(VmDriver.Running::kill);
    }

    /** Deletes one snapshot that could not be restored (waits for restores in flight). */
    void discard(String key) {
        use.writeLock().lock();
        try {
            delete(dir.resolve(key), "it could not be restored", new ArrayList<>());
        } finally {
            use.writeLock().unlock();
        }
    }

    private static void delete(Path p, String why, List<String> deleted) {
        log.atInfo().setMessage("deleting a warm snapshot").addKeyValue("key", p.getFileName()).addKeyValue("why", why).log();
        QemuVm.deleteTree(p);
        deleted.add(p.getFileName().toString());
    }

    private static FileTime lastUsed(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static Meta read(Path snapshot) {
        try (Reader r = Files.newBufferedReader(snapshot.resolve("key.properties"))) {
            Properties p = new Properties();
            p.load(r);
            return Meta.of(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
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
