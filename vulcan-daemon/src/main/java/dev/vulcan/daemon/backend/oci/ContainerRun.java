package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.image.Digest;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs containers to completion with an OCI runtime. Every container is recorded in the state dir
 * ({@code <id>.json}: bundle dir, container id) before anything is created, and cleanup (runtime delete,
 * overlay unmount, bundle and cgroup removal) always runs; {@link #sweep()} cleans what a crash left.
 */
public final class ContainerRun {

    private static final Logger log = LoggerFactory.getLogger(ContainerRun.class);
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    private static final Duration COMMAND_DEADLINE = Duration.ofSeconds(10);

    public enum Status { EXITED, TIMEOUT, OOM }

    public record Result(Status status, int exitCode, Duration elapsed) {}

    private final OciRuntime runtime;
    private final ImageStore images;
    private final BundleBuilder bundles;
    private final ProcessRunner processes;
    private final JsonMapper json;
    private final Path stateDir;
    private final Path bundleRoot;
    private final Map<Digest, Prepared> prepared = new ConcurrentHashMap<>();
    private final CgroupWarmup cgroupWarmup = new CgroupWarmup();

    public ContainerRun(OciRuntime runtime, ImageStore images, BundleBuilder bundles, ProcessRunner processes,
            JsonMapper json, Path stateDir, Path bundleRoot) {
        this.runtime = runtime;
        this.images = images;
        this.bundles = bundles;
        this.processes = processes;
        this.json = json;
        this.stateDir = stateDir;
        this.bundleRoot = bundleRoot;
    }

    public Result run(ContainerSpec spec, LogSink sink) throws IOException {
        return run(spec, sink, result -> { });
    }

    /**
     * Runs the container; {@code onExit} gets the result as soon as it has ended, before the cleanup this call
     * still does (and waits for), so a caller can answer while the runtime state, mount, bundle and cgroups go.
     */
    public Result run(ContainerSpec spec, LogSink sink, Consumer<Result> onExit) throws IOException {
        Files.createDirectories(stateDir);
        Files.createDirectories(bundleRoot);
        Path bundle = bundleRoot.resolve(spec.id());
        Path record = stateDir.resolve(spec.id() + ".json");
        if (Files.exists(record) || Files.exists(bundle)) {
            throw new IllegalStateException("container " + spec.id() + " already exists");
        }
        Phases phases = new Phases();
        Files.write(record, json.writeValueAsBytes(json.createObjectNode().put("id", spec.id())
                .put("bundle", bundle.toString())));
        phases.mark("record_ms");
        Throwable failure = null;
        boolean exited = false;
        try {
            Prepared image = prepare(spec.image());
            ImageConfig config = image.config();
            List<Path> layers = image.layers();
            phases.mark("image_ms");
            MemoryCgroup.limit(spec.id(), spec.resources().memoryBytes());
            phases.mark("cgroup_ms");
            java.util.Optional<GatedRun> gated;
            // after our own cgroup writes (the warm-up holds the kernel's cgroup lock while it waits)
            try (CgroupWarmup.Start warm = cgroupWarmup.starting()) {
                // the runtime's process is spawned while the bundle is built and waits for it (GatedRun)
                gated = GatedRun.start(runtimeFor(spec), ContainerBackend.PROBE_BUSYBOX, bundle, spec.id());
                try {
                    bundles.build(bundle, layers, config, spec);
                } catch (IOException | RuntimeException e) {
                    gated.ifPresent(GatedRun::abandon);
                    throw e;
                }
            }
            phases.mark("bundle_ms");
            Result result = execute(spec, bundle, sink, gated);
            phases.mark("run_ms");
            if (result.status() == Status.EXITED && result.exitCode() == 137 && spec.resources().memoryBytes() > 0
                    && MemoryCgroup.failures(spec.id()) > 0) {
                result = new Result(Status.OOM, result.exitCode(), result.elapsed());
            }
            phases.log(log.atInfo().addKeyValue("container", spec.id()).addKeyValue("status", result.status())
                    .addKeyValue("exit_code", result.exitCode()).addKeyValue("elapsed_ms", result.elapsed().toMillis()))
                    .log("container finished");
            exited = result.status() != Status.TIMEOUT;
            onExit.accept(result);
            phases.mark("answer_ms");
            return result;
        } catch (IOException | RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            try {
                phases.mark("before_cleanup");
                cleanup(spec.id(), bundle, exited, phases);
                Files.deleteIfExists(record);
                phases.mark("forget_ms");
                phases.log(log.atDebug().addKeyValue("container", spec.id()), "answer_ms", "delete_ms", "umount_ms",
                        "tree_ms", "cgroups_ms", "forget_ms").log("container cleaned up");
            } catch (IOException e) {
                if (failure == null) throw e;
                failure.addSuppressed(e);
            }
        }
    }

    /** An image's config and unpacked layer dirs; what a manifest digest names never changes. */
    private record Prepared(ImageConfig config, List<Path> layers) {}

    /**
     * The image's config and layers, read and unpacked on its first container and then remembered by manifest
     * digest (the reference is resolved every time, so a re-tagged or removed image is seen at once).
     */
    private Prepared prepare(ImageReference ref) throws IOException {
        Digest digest = images.manifestDigest(ref);
        Prepared known = prepared.get(digest);
        if (known != null && known.layers().stream().allMatch(Files::isDirectory)) {
            return known;
        }
        // first container of this image, or gc removed its unpacked layers: read and unpack it (again)
        Prepared fresh = new Prepared(ImageConfig.read(images, ref, json), images.unpack(ref));
        if (images.manifestDigest(ref).equals(digest)) {
            prepared.put(digest, fresh);
        }
        return fresh;
    }

    /** Per-phase wall times of one container, for the log (the bench reads them). */
    private static final class Phases {
        private static final java.util.Set<String> PRE_EXIT = java.util.Set.of("record_ms", "image_ms", "cgroup_ms",
                "bundle_ms", "run_ms");
        private final java.util.Map<String, Double> ms = new java.util.LinkedHashMap<>();
        private long last = System.nanoTime();

        void mark(String phase) {
            long now = System.nanoTime();
            ms.put(phase, Math.round((now - last) / 10_000.0) / 100.0);
            last = now;
        }

        org.slf4j.spi.LoggingEventBuilder log(org.slf4j.spi.LoggingEventBuilder event, String... only) {
            ms.forEach((k, v) -> {
                if (only.length == 0 ? PRE_EXIT.contains(k) : List.of(only).contains(k)) {
                    event.addKeyValue(k, v);
                }
            });
            return event;
        }
    }

    /** The runtime that starts this container: inside its network namespace for runsc (see OciRuntime#inNetns). */
    private OciRuntime runtimeFor(ContainerSpec spec) {
        return runtime.inNetns(spec.network() == null ? null : spec.network().netns());
    }

    private Result execute(ContainerSpec spec, Path bundle, LogSink sink, java.util.Optional<GatedRun> gated)
            throws IOException {
        long start = System.nanoTime();
        Process p = gated.isPresent() ? gated.get().release()
                : new ProcessBuilder(runtimeFor(spec).argv("run", "--bundle", bundle.toString(), spec.id()))
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Thread out = pump(p.getInputStream(), LogSink.Stream.STDOUT, sink);
        Thread err = pump(p.getErrorStream(), LogSink.Stream.STDERR, sink);
        try {
            boolean done = p.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                processes.run(runtime.argv("kill", spec.id(), "KILL"), COMMAND_DEADLINE);
                processes.run(runtime.argv("delete", "--force", spec.id()), COMMAND_DEADLINE);
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                }
            }
            out.join();
            err.join();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            return new Result(done ? Status.EXITED : Status.TIMEOUT, p.exitValue(), elapsed);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + spec.id(), e);
        }
    }

    /** Sends SIGKILL to a running container; a container not (or no longer) running is not an error. */
    public void kill(String id) throws IOException {
        processes.run(runtime.argv("kill", id, "KILL"), COMMAND_DEADLINE);
    }

    private static Thread pump(InputStream in, LogSink.Stream stream, LogSink sink) {
        return Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    sink.line(stream, line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Deletes the leftovers of every recorded container (after a crash); returns how many it cleaned. */
    public int sweep() throws IOException {
        if (!Files.isDirectory(stateDir)) return 0;
        int n = 0;
        try (Stream<Path> records = Files.list(stateDir)) {
            for (Path record : records.filter(p -> p.toString().endsWith(".json")).toList()) {
                JsonNode node = json.readTree(Files.readAllBytes(record));
                cleanup(node.path("id").asString(), Path.of(node.path("bundle").asString()), false, new Phases());
                Files.deleteIfExists(record);
                n++;
            }
        }
        return n;
    }

    /**
     * Runtime delete, overlay unmount, bundle and cgroup removal; each step tolerates what is already gone.
     * A foreground {@code run} that ended by itself has deleted its container: when the runtime's state dir
     * shows no trace of it, {@code delete -f} (another runtime process, through the wrapper for crun) is skipped.
     */
    private void cleanup(String id, Path bundle, boolean ended, Phases phases) throws IOException {
        List<String> problems = new ArrayList<>();
        if (!(ended && runtimeForgot(id))) {
            forceDelete(runtime, processes, id).ifPresent(problems::add);
        }
        phases.mark("delete_ms");
        try {
            bundles.mounts().unmount(bundle.resolve("rootfs"));
        } catch (IOException e) {
            problems.add(e.getMessage());
        }
        phases.mark("umount_ms");
        if (problems.isEmpty()) {
            deleteTree(bundle);
        }
        phases.mark("tree_ms");
        removeCgroups(id);
        phases.mark("cgroups_ms");
        if (!problems.isEmpty()) {
            throw new IOException("cleanup of container " + id + " incomplete: " + String.join("; ", problems));
        }
    }

    /**
     * {@code <runtime> delete -f}: kills the container if it still runs and forgets it. A container the runtime
     * does not know is not a problem; any other failure is returned.
     */
    static java.util.Optional<String> forceDelete(OciRuntime runtime, ProcessRunner processes, String id)
            throws IOException {
        ProcessRunner.Result deleted = processes.run(runtime.argv("delete", "--force", id), COMMAND_DEADLINE);
        String out = deleted.output();
        if (deleted.exitCode() == 0 || out.contains("does not exist") || out.contains("not found")
                || out.contains("No such file")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("delete: " + out.strip());
    }

    /** True when the runtime's state root exists without this id. */
    private boolean runtimeForgot(String id) {
        Path root = runtime.stateRoot();
        return Files.isDirectory(root) && !Files.exists(root.resolve(id), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    static boolean isMounted(Path dir) throws IOException {
        String target = " " + dir.toAbsolutePath() + " ";
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.anyMatch(l -> l.contains(target));
        }
    }

    /** Removes {@code /vulcan/oci/<id>} (and its runtime leaf) from every cgroup hierarchy. */
    static void removeCgroups(String id) throws IOException {
        if (!Files.isDirectory(CGROUP_ROOT)) return;
        String rel = BundleBuilder.cgroupParent(id).substring(1);
        try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
            for (Path h : hierarchies.toList()) {
                Path parent = h.resolve(rel);
                Files.deleteIfExists(parent.resolve("ctr"));
                Files.deleteIfExists(parent);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
