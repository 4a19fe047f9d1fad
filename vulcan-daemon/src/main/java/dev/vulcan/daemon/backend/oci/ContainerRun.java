package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.LogSink;
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
import java.util.concurrent.TimeUnit;
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
        Files.createDirectories(stateDir);
        Files.createDirectories(bundleRoot);
        Path bundle = bundleRoot.resolve(spec.id());
        Path record = stateDir.resolve(spec.id() + ".json");
        if (Files.exists(record) || Files.exists(bundle)) {
            throw new IllegalStateException("container " + spec.id() + " already exists");
        }
        Files.write(record, json.writeValueAsBytes(json.createObjectNode().put("id", spec.id())
                .put("bundle", bundle.toString())));
        Throwable failure = null;
        try {
            ImageConfig config = ImageConfig.read(images, spec.image(), json);
            List<Path> layers = images.unpack(spec.image());
            Path memCgroup = CGROUP_ROOT.resolve("memory").resolve(BundleBuilder.cgroupParent(spec.id()).substring(1));
            if (spec.resources().memoryBytes() > 0) {
                Files.createDirectories(memCgroup);
                Files.writeString(memCgroup.resolve("memory.limit_in_bytes"), Long.toString(spec.resources().memoryBytes()));
            }
            bundles.build(bundle, layers, config, spec);
            Result result = execute(spec, bundle, sink);
            if (result.status() == Status.EXITED && result.exitCode() == 137 && spec.resources().memoryBytes() > 0
                    && failcnt(memCgroup) > 0) {
                result = new Result(Status.OOM, result.exitCode(), result.elapsed());
            }
            log.atInfo().addKeyValue("container", spec.id()).addKeyValue("status", result.status())
                    .addKeyValue("exit_code", result.exitCode()).addKeyValue("elapsed_ms", result.elapsed().toMillis())
                    .log("container finished");
            return result;
        } catch (IOException | RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            try {
                cleanup(spec.id(), bundle);
                Files.deleteIfExists(record);
            } catch (IOException e) {
                if (failure == null) throw e;
                failure.addSuppressed(e);
            }
        }
    }

    private Result execute(ContainerSpec spec, Path bundle, LogSink sink) throws IOException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(runtime.argv("run", "--bundle", bundle.toString(), spec.id()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Thread out = pump(p.getInputStream(), LogSink.Stream.STDOUT, sink);
        Thread err = pump(p.getErrorStream(), LogSink.Stream.STDERR, sink);
        try {
            boolean done = p.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                processes.run(runtime.argv("kill", spec.id(), "KILL"), COMMAND_DEADLINE);
                processes.run(runtime.argv("delete", "-f", spec.id()), COMMAND_DEADLINE);
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

    private static long failcnt(Path memCgroup) {
        try {
            return Long.parseLong(Files.readString(memCgroup.resolve("memory.failcnt")).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Deletes the leftovers of every recorded container (after a crash); returns how many it cleaned. */
    public int sweep() throws IOException {
        if (!Files.isDirectory(stateDir)) return 0;
        int n = 0;
        try (Stream<Path> records = Files.list(stateDir)) {
            for (Path record : records.filter(p -> p.toString().endsWith(".json")).toList()) {
                JsonNode node = json.readTree(Files.readAllBytes(record));
                cleanup(node.path("id").asString(), Path.of(node.path("bundle").asString()));
                Files.deleteIfExists(record);
                n++;
            }
        }
        return n;
    }

    /** Runtime delete, overlay unmount, bundle and cgroup removal; each step tolerates what is already gone. */
    private void cleanup(String id, Path bundle) throws IOException {
        List<String> problems = new ArrayList<>();
        ProcessRunner.Result deleted = processes.run(runtime.argv("delete", "-f", id), COMMAND_DEADLINE);
        if (deleted.exitCode() != 0 && !deleted.output().contains("does not exist") && !deleted.output().contains("not found")
                && !deleted.output().contains("No such file")) {
            problems.add("delete: " + deleted.output().strip());
        }
        Path rootfs = bundle.resolve("rootfs");
        if (isMounted(rootfs)) {
            ProcessRunner.Result umount = processes.run(List.of("umount", rootfs.toString()), COMMAND_DEADLINE);
            if (umount.exitCode() != 0) {
                problems.add("umount: " + umount.output().strip());
            }
        }
        if (problems.isEmpty()) {
            deleteTree(bundle);
        }
        removeCgroups(id);
        if (!problems.isEmpty()) {
            throw new IOException("cleanup of container " + id + " incomplete: " + String.join("; ", problems));
        }
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
