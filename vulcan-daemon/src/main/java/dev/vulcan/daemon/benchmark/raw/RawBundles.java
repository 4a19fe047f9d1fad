package dev.vulcan.daemon.benchmark.raw;

import dev.vulcan.daemon.backend.oci.BundleBuilder;
import dev.vulcan.daemon.backend.oci.ContainerSpec;
import dev.vulcan.daemon.backend.oci.Mounts;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.image.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * OCI bundles of the busybox image for the raw runtimes: the image's layer unpacked once into a plain
 * directory, and per bundle a config.json written by the daemon's own {@link BundleBuilder} (the same
 * namespaces, capabilities, mounts, cpu and pids limits as a Vulcan container of the default size), with
 * its root pointing at the shared rootfs and its cgroup below {@code /vulcan-bench-<pid>}, which
 * {@link #close()} removes with the bundles.
 */
public final class RawBundles implements AutoCloseable {

    public static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    /** Vulcan's default workload size: 128 MB (on Vulcan's parent cgroup, not in config.json), 1 cpu. */
    public static final ContainerSpec.Resources DEFAULT_SIZE = new ContainerSpec.Resources(128L << 20, 1, 1024);

    private final Path dir;
    private final Path rootfs;
    private final JsonMapper json;
    private final BundleBuilder builder;
    private final String cgroup = "vulcan-bench-" + ProcessHandle.current().pid();
    private final List<String> imageEnv;
    private final Mounts mounts = new Mounts.Native();
    private final List<Path> mounted = new ArrayList<>();

    private RawBundles(Path dir, Path rootfs, JsonMapper json, BundleBuilder builder, List<String> imageEnv) {
        this.dir = dir;
        this.rootfs = rootfs;
        this.json = json;
        this.builder = builder;
        this.imageEnv = imageEnv;
    }

    /** Unpacks the single-layer OCI archive (scripts/busybox-image) into dir/rootfs. */
    public static RawBundles prepare(Path dir, Path archive, JsonMapper json) throws Exception {
        ProcessRunner processes = new ProcessRunner.Native();
        Path layout = Files.createDirectories(dir.resolve("layout"));
        processes.check(List.of("tar", "-xf", archive.toString(), "-C", layout.toString()));
        JsonNode index = json.readTree(Files.readAllBytes(layout.resolve("index.json")));
        JsonNode manifest = json.readTree(Files.readAllBytes(blob(layout, index.get("manifests").get(0))));
        JsonNode config = json.readTree(Files.readAllBytes(blob(layout, manifest.get("config"))));
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        for (JsonNode layer : manifest.get("layers")) {
            processes.check(List.of("tar", "-xzf", blob(layout, layer).toString(), "-C", rootfs.toString()));
        }
        List<String> env = new ArrayList<>();
        config.path("config").path("Env").forEach(e -> env.add(e.asString()));
        return new RawBundles(dir, rootfs, json, new BundleBuilder(json, processes), env);
    }

    private static Path blob(Path layout, JsonNode descriptor) {
        return layout.resolve("blobs/sha256").resolve(descriptor.get("digest").asString().substring("sha256:".length()));
    }

    /** A bundle dir running {@code argv} whose container may be run under any id (one at a time). */
    public Path bundle(String name, List<String> argv) throws IOException {
        return bundle(name, argv, rootfs);
    }

    /**
     * A bundle like {@link #bundle} whose root is an overlayfs over the unpacked layer, mounted once here
     * (Vulcan mounts one per container): what the overlay costs the runtime inside {@code run}.
     */
    public Path overlayBundle(String name, List<String> argv) throws IOException {
        Path overlay = Files.createDirectories(dir.resolve("overlays").resolve(name));
        Path merged = Files.createDirectories(overlay.resolve("rootfs"));
        Files.createDirectories(overlay.resolve("upper"));
        Files.createDirectories(overlay.resolve("work"));
        mounts.overlay(merged, "lowerdir=" + rootfs + ",upperdir=" + overlay.resolve("upper") + ",workdir="
                + overlay.resolve("work"));
        mounted.add(merged);
        return bundle(name, argv, merged);
    }

    private Path bundle(String name, List<String> argv, Path root) throws IOException {
        Path bundle = Files.createDirectories(dir.resolve("bundles").resolve(name));
        ContainerSpec spec = new ContainerSpec(name, ImageReference.parse("vulcan-bench/busybox:latest"), null, argv,
                DEFAULT_SIZE, Duration.ofSeconds(30), false);
        builder.writeConfig(bundle, argv, imageEnv, "/", spec);
        ObjectNode config = (ObjectNode) json.readTree(Files.readAllBytes(bundle.resolve("config.json")));
        ((ObjectNode) config.get("root")).put("path", root.toString());
        ((ObjectNode) config.get("linux")).put("cgroupsPath", "/" + cgroup + "/" + name);
        Files.write(bundle.resolve("config.json"), json.writeValueAsBytes(config));
        return bundle;
    }

    /**
     * Bundles over an image already unpacked by the store: {@code layers} top first, mounted once as the
     * read-only lower dirs of one overlay (so nothing writes into the store's layer dirs).
     */
    public static RawBundles overLayers(Path dir, List<Path> layers, List<String> imageEnv, JsonMapper json)
            throws IOException {
        Mounts mounts = new Mounts.Native();
        Path merged = Files.createDirectories(dir.resolve("rootfs"));
        Files.createDirectories(dir.resolve("upper"));
        Files.createDirectories(dir.resolve("work"));
        mounts.overlay(merged, "lowerdir=" + String.join(":", layers.stream().map(Path::toString).toList())
                + ",upperdir=" + dir.resolve("upper") + ",workdir=" + dir.resolve("work"));
        RawBundles bundles = new RawBundles(dir, merged, json, new BundleBuilder(json, new ProcessRunner.Native()),
                imageEnv);
        bundles.mounted.add(merged);
        return bundles;
    }

    /** The cgroup (below each hierarchy's root) the bundles' containers live in: their memory is charged there. */
    public String cgroup() {
        return "/" + cgroup;
    }

    /**
     * What a process that died while benchmarking left: its scratch dirs under {@code scratch} (the overlay
     * unmounted first) and the cgroups {@code vulcan-bench-<pid>} of processes that no longer run.
     */
    public static void sweep(Path scratch) throws IOException {
        Mounts mounts = new Mounts.Native();
        if (Files.isDirectory(scratch)) {
            try (Stream<Path> dirs = Files.list(scratch)) {
                for (Path dir : dirs.toList()) {
                    mounts.unmount(dir.resolve("rootfs"));
                    deleteTree(dir);
                }
            }
        }
        if (!Files.isDirectory(CGROUP_ROOT)) return;
        try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
            for (Path h : hierarchies.filter(Files::isDirectory).toList()) {
                try (Stream<Path> groups = Files.list(h)) {
                    for (Path parent : groups.filter(g -> g.getFileName().toString().startsWith("vulcan-bench-")).toList()) {
                        String pid = parent.getFileName().toString().substring("vulcan-bench-".length());
                        if (pid.chars().allMatch(Character::isDigit)
                                && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                            removeCgroup(parent);
                        }
                    }
                }
            }
        }
    }

    private static void removeCgroup(Path parent) throws IOException {
        try (Stream<Path> leaves = Files.list(parent)) {
            for (Path leaf : leaves.filter(Files::isDirectory).toList()) {
                Files.deleteIfExists(leaf);
            }
        }
        Files.deleteIfExists(parent);
    }

    /** Removes the bench's cgroups (the runtimes remove each container's own leaf; this is the parent). */
    @Override
    public void close() throws IOException {
        for (Path m : mounted) {
            mounts.unmount(m);
        }
        if (Files.isDirectory(CGROUP_ROOT)) {
            try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
                for (Path h : hierarchies.toList()) {
                    Path parent = h.resolve(cgroup);
                    if (Files.isDirectory(parent)) {
                        try (Stream<Path> leaves = Files.list(parent)) {
                            for (Path leaf : leaves.filter(Files::isDirectory).toList()) {
                                Files.deleteIfExists(leaf);
                            }
                        }
                        Files.deleteIfExists(parent);
                    }
                }
            }
        }
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
