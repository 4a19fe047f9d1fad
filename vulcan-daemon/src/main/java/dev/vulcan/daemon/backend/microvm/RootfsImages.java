package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.oci.Mounts;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.image.Digest;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Root file systems for VMs from images of the store: one ext4 image per manifest digest
 * ({@code <dir>/<hex>.ext4}), built once with {@code mkfs.ext4 -d} from the image's layers merged by
 * a read-only overlayfs mount (so whiteouts and opaque dirs are applied by the kernel), and never
 * written afterwards: every VM gets its own qcow2 overlay on it ({@link #overlay}), which lives in
 * the VM's run dir and goes with it.
 */
public final class RootfsImages {

    private static final Logger log = LoggerFactory.getLogger(RootfsImages.class);
    /** Free room in every image for what workloads write; the file is sparse, so it costs nothing until used. */
    static final long HEADROOM = 1024L * 1024 * 1024;
    private static final Duration MKFS_DEADLINE = Duration.ofMinutes(10);

    private final ImageStore images;
    private final Path dir;
    private final Mounts mounts;
    private final ProcessRunner processes;
    private final Map<String, Object> building = new ConcurrentHashMap<>();
    /** The base each running VM's overlay reads (workload id to digest hex): {@link #collect} keeps those. */
    private final Map<String, String> inUse = new ConcurrentHashMap<>();
    private final List<java.util.function.Supplier<java.util.Set<Path>>> pins = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final Runnable afterBuild;

    public RootfsImages(ImageStore images, Path dir, Mounts mounts, ProcessRunner processes) {
        this(images, dir, mounts, processes, () -> { });
    }

    /** afterBuild: runs once a new image is built (the moment the previous digest's may have become stale). */
    public RootfsImages(ImageStore images, Path dir, Mounts mounts, ProcessRunner processes, Runnable afterBuild) {
        this.afterBuild = afterBuild;
        this.images = images;
        this.dir = dir;
        this.mounts = mounts;
        this.processes = processes;
    }

    /** The manifest digest the reference names now: the cache key of its rootfs (and of its snapshots). */
    public Digest digest(ImageReference ref) throws IOException {
        return images.manifestDigest(ref);
    }

    /** The ext4 image of this image, built on first use; concurrent callers for one digest wait for one build. */
    public Path base(ImageReference ref) throws IOException {
        Digest digest = digest(ref);
        Path target = dir.resolve(digest.hex() + ".ext4");
        if (Files.isRegularFile(target)) {
            return target;
        }
        synchronized (building.computeIfAbsent(digest.hex(), k -> new Object())) {
            if (!Files.isRegularFile(target)) {
                build(ref, target);
                afterBuild.run();
            }
        }
        return target;
    }

    /**
     * {@link #base}, recorded as in use by the holder until {@link #release}: a VM's overlay reads its
     * base for as long as the VM runs, so collection must not delete it (the image may be removed meanwhile).
     */
    public Path acquire(ImageReference ref, String holder) throws IOException {
        synchronized (inUse) {
            Digest digest = digest(ref);
            inUse.put(holder, digest.hex());
        }
        try {
            return base(ref);
        } catch (IOException | RuntimeException e) {
            release(holder);
            throw e;
        }
    }

    public void release(String holder) {
        inUse.remove(holder);
    }

    /**
     * Bases read by disks that outlive a run (instance VMs' overlays, until the instance is removed):
     * {@link #collect} keeps every base the supplier names.
     */
    public void pin(java.util.function.Supplier<java.util.Set<Path>> bases) {
        pins.add(bases);
    }

    /**
     * Deletes the ext4 images of digests no longer in the store ({@code live} holds the manifest
     * digests of every reference it has), except those a running VM reads or a pinned disk needs.
     * Returns the files deleted.
     */
    public List<Path> collect(java.util.Set<Digest> live) {
        List<Path> deleted = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return deleted;
        }
        java.util.Set<String> keep = new java.util.HashSet<>();
        live.forEach(d -> keep.add(d.hex()));
        for (var pinned : pins) {
            pinned.get().forEach(base -> keep.add(base.getFileName().toString().replaceFirst("\\.ext4$", "")));
        }
        synchronized (inUse) {
            keep.addAll(inUse.values());
            try (Stream<Path> all = Files.list(dir)) {
                for (Path p : all.toList()) {
                    String name = p.getFileName().toString();
                    if (name.endsWith(".ext4") && !keep.contains(name.substring(0, name.length() - 5))) {
                        synchronized (building.computeIfAbsent(name.substring(0, name.length() - 5), k -> new Object())) {
                            Files.deleteIfExists(p);
                        }
                        deleted.add(p);
                        log.atInfo().setMessage("rootfs image deleted: its image left the store").addKeyValue("file", p).log();
                    }
                }
            } catch (IOException e) {
                log.atWarn().setMessage("cannot collect rootfs images").addKeyValue("dir", dir).setCause(e).log();
            }
        }
        return deleted;
    }

    private void build(ImageReference ref, Path target) throws IOException {
        long started = System.nanoTime();
        List<Path> layers = images.unpack(ref);
        Files.createDirectories(dir);
        Path work = dir.resolve(".build-" + UUID.randomUUID());
        Path merged = work.resolve("merged");
        Path empty = work.resolve("empty");
        Path image = work.resolve("rootfs.ext4");
        Files.createDirectories(merged);
        Files.createDirectories(empty);
        boolean mounted = false;
        try {
            mounts.overlay(merged, "lowerdir=" + lowerdir(layers, empty));
            mounted = true;
            long[] usage = usage(merged);
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(sizeBytes(usage[0], usage[1]));
            }
            ProcessRunner.Result r = processes.run(mkfs(merged, image), MKFS_DEADLINE);
            if (r.exitCode() != 0) {
                throw new IOException("mkfs.ext4 for " + ref + " failed: " + r.output().strip());
            }
            mounts.unmount(merged);
            mounted = false;
            Files.move(image, target, StandardCopyOption.ATOMIC_MOVE);
            log.atInfo().setMessage("rootfs image built").addKeyValue("image", ref).addKeyValue("file", target)
                    .addKeyValue("content_bytes", usage[0]).addKeyValue("ms", (System.nanoTime() - started) / 1_000_000).log();
        } finally {
            if (mounted) {
                mounts.unmount(merged);
            }
            QemuVm.deleteTree(work);
        }
    }

    /** A copy-on-write overlay on a base image for one VM: reads go to the base, writes stay in the overlay. */
    public void overlay(Path base, Path overlay) throws IOException {
        ProcessRunner.Result r = processes.run(overlayCommand(base, overlay), Duration.ofSeconds(30));
        if (r.exitCode() != 0) {
            throw new IOException("qemu-img create " + overlay + " failed: " + r.output().strip());
        }
    }

    /** Deletes builds a killed daemon left half done (the finished images stay: they are the cache). */
    public void sweep() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> left = Files.list(dir)) {
            left.filter(p -> p.getFileName().toString().startsWith(".build-")).forEach(p -> {
                try {
                    mounts.unmount(p.resolve("merged"));
                } catch (IOException e) {
                    log.atWarn().setMessage("cannot unmount a leftover rootfs build").addKeyValue("dir", p).setCause(e).log();
                }
                QemuVm.deleteTree(p);
            });
        } catch (IOException e) {
            log.atWarn().setMessage("cannot sweep rootfs builds").addKeyValue("dir", dir).setCause(e).log();
        }
    }

    /** overlayfs lists the top layer first; the empty dir at the bottom makes a one-layer image mountable (it needs two). */
    static String lowerdir(List<Path> layersLowestFirst, Path empty) {
        List<String> dirs = new ArrayList<>();
        for (Path layer : layersLowestFirst.reversed()) {
            dirs.add(layer.toAbsolutePath().toString());
        }
        dirs.add(empty.toAbsolutePath().toString());
        for (String d : dirs) {
            if (d.contains(":") || d.contains(",")) {
                throw new IllegalArgumentException("layer path not usable in overlay options: " + d);
            }
        }
        return String.join(":", dirs);
    }

    /** Content plus a quarter for ext4's metadata, a block per entry, and the headroom; whole MiB. */
    static long sizeBytes(long contentBytes, long entries) {
        long raw = contentBytes + contentBytes / 4 + entries * 4096 + HEADROOM;
        long mib = 1024 * 1024;
        return (raw + mib - 1) / mib * mib;
    }

    /** No journal (every VM's writes are thrown away with its overlay), no reserved blocks. */
    static List<String> mkfs(Path source, Path image) {
        return List.of("mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-m", "0", "-L", "vulcan-rootfs",
                "-E", "root_owner=0:0", "-d", source.toString(), image.toString());
    }

    static List<String> overlayCommand(Path base, Path overlay) {
        return List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toAbsolutePath().toString(), "-F", "raw",
                overlay.toAbsolutePath().toString());
    }

    /** [bytes of regular files, number of entries] below a tree, links not followed. */
    private static long[] usage(Path root) throws IOException {
        long[] total = new long[2];
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    total[0] += a.isRegularFile() ? a.size() : 0;
                    total[1]++;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return total;
    }
}
