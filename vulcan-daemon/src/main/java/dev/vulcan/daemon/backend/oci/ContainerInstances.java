package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.ExecProcess;
import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Long-lived containers, each run under conmon (the OCI runtime monitor Podman uses): conmon daemonizes,
 * holds the container's stdio, writes its output with timestamps to {@code ctr.log} and its exit code to
 * {@code exits/<id>}, so a run outlives the daemon and a restarted daemon can tell whether it still runs.
 *
 * <p>The same class drives runsc (isolation gvisor) under its own root: conmon runs whatever OCI runtime the
 * probe found, through a wrapper script with its flags.
 *
 * <p>Per instance, {@code instances/<id>/} holds the bundle (overlay rootfs, its persistent upper dir,
 * config.json), conmon's and the container's PID files and the log.
 */
public final class ContainerInstances implements InstanceDriver {

    /** The network namespace path of the instance's current run, if it has one (see runtimeFor). */
    private static final String NETNS_FILE = "netns";

    private static final Logger log = LoggerFactory.getLogger(ContainerInstances.class);
    private static final Duration COMMAND_DEADLINE = Duration.ofSeconds(10);
    private static final Duration START_DEADLINE = Duration.ofSeconds(20);
    /** Instances have no deadline; the spec wants a positive one. */
    private static final Duration NO_TIMEOUT = Duration.ofDays(36_500);

    private final ImageStore images;
    private final Supplier<OciRuntime> runtime;
    private final BundleBuilder bundles;
    private final ProcessRunner processes;
    private final JsonMapper json;
    private final Path root;
    private final Path exits;
    private final Path sockets;
    private RuntimeExec execs;
    private final dev.vulcan.daemon.backend.ExitWatcher exitWatcher;

    /** root is STATE/oci/instances; runtime resolves the probed OCI runtime (throws when there is none). */
    public ContainerInstances(ImageStore images, Supplier<OciRuntime> runtime, ProcessRunner processes, JsonMapper json,
            Path root) throws IOException {
        this.images = images;
        this.runtime = runtime;
        this.bundles = new BundleBuilder(json, new Mounts.Native()).keepingUpper();
        this.processes = processes;
        this.json = json;
        this.root = root;
        this.exits = root.resolve("exits");
        this.sockets = root.resolve("sockets");
        Files.createDirectories(exits);
        this.exitWatcher = new dev.vulcan.daemon.backend.ExitWatcher(exits, "instance-exits");
        Files.createDirectories(sockets);
    }

    /** Starts watching for exits: conmon writes {@code exits/<id>} when a container ends. */
    public void watch() throws IOException {
        exitWatcher.start();
    }

    @Override
    public void onExit(Consumer<String> listener) {
        exitWatcher.onExit(listener);
    }

    /** Whether instance {@code id} has anything under this driver's root (its dir). */
    public boolean has(String id) {
        return Files.isDirectory(dir(id));
    }

    private Path dir(String id) {
        return root.resolve(id);
    }

    private Path bundle(String id) {
        return dir(id).resolve("bundle");
    }

    @Override
    public long start(String id, Launch launch) throws IOException {
        OciRuntime oci = runtime.get();
        Path dir = Files.createDirectories(dir(id));
        Files.deleteIfExists(exits.resolve(id));
        Files.deleteIfExists(dir.resolve("ctr.pid"));
        Files.deleteIfExists(dir.resolve("conmon.pid"));
        Files.deleteIfExists(dir.resolve("runtime.log"));
        Files.deleteIfExists(dir.resolve("conmon.err"));
        try {
            ImageReference ref = ImageReference.parse(launch.command().ref());
            ImageConfig config = ImageConfig.read(images, ref, json);
            List<Path> layers = images.unpack(ref);
            ContainerSpec spec = spec(id, ref, launch, oci.kind());
            MemoryCgroup.limit(id, spec.resources().memoryBytes());
            bundles.build(bundle(id), layers, config, spec);
            Path netnsFile = dir.resolve(NETNS_FILE);
            if (launch.network() == null) {
                Files.deleteIfExists(netnsFile);
            } else {
                Files.writeString(netnsFile, launch.network().netns().toString());
            }
            OciRuntime creator = runtimeFor(id);
            launchMonitor(id, creator, creator == oci ? root : dir);
            long pid = awaitCreated(id);
            ProcessRunner.Result started = processes.run(creator.argv("start", id), COMMAND_DEADLINE);
            if (started.exitCode() != 0) {
                String why = runtimeError(id);
                throw new IOException("the container did not start: " + (why.isEmpty() ? started.output().strip() : why));
            }
            log.atInfo().addKeyValue("instance", id).addKeyValue("pid", pid).log("instance container started");
            return pid;
        } catch (IOException | RuntimeException e) {
            try {
                release(id);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static ContainerSpec spec(String id, ImageReference ref, Launch launch, OciRuntime.Kind kind) {
        var command = launch.command();
        List<ContainerSpec.Mount> mounts = launch.mounts().stream()
                .map(m -> new ContainerSpec.Mount(m.source(), m.destination(), m.readOnly())).toList();
        return new ContainerSpec(id, ref, command.shellForm() ? command.argv().getFirst() : null,
                command.shellForm() ? null : command.argv(),
                GvisorLimits.forRuntime(kind, new ContainerSpec.Resources((long) launch.limits().memMb() * 1024 * 1024,
                        launch.limits().cpus(), launch.limits().pids())),
                NO_TIMEOUT, false, mounts, launch.env(), ContainerSpec.Security.DEFAULT, launch.network());
    }

    /** @param wrapperDir where conmon's runtime script goes: the shared root, or the instance's dir if it is its own */
    private void launchMonitor(String id, OciRuntime oci, Path wrapperDir) throws IOException {
        Path dir = dir(id);
        Path wrapper = runtimeWrapper(oci, wrapperDir);
        List<String> argv = List.of("conmon", "--api-version", "1", "-c", id, "-u", id, "-n", id,
                "-r", wrapper.toString(), "--runtime-arg", "--log=" + dir.resolve("runtime.log"),
                "-b", bundle(id).toString(),
                "-p", dir.resolve("ctr.pid").toString(), "-P", dir.resolve("conmon.pid").toString(),
                "-l", "k8s-file:" + dir.resolve("ctr.log"), "--exit-dir", exits.toString(),
                "--socket-dir-path", sockets.toString(), "--log-level", "warning");
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("conmon.err").toFile()))
                .redirectErrorStream(true).start();
        try {
            // conmon forks its monitor and returns; the monitor writes the PID files
            if (!p.waitFor(COMMAND_DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("conmon did not daemonize within " + COMMAND_DEADLINE.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted starting conmon", e);
        }
    }

    /** A script conmon can run as "the runtime": the probed runtime's argv prefix (crun may need a wrapper). */
    private Path runtimeWrapper(OciRuntime oci, Path where) throws IOException {
        String script = "#!/bin/sh\nexec " + oci.command().stream().map(ContainerInstances::quote)
                .collect(Collectors.joining(" ")) + " \"$@\"\n";
        Path wrapper = where.resolve("runtime-" + Integer.toHexString(script.hashCode()));
        if (!Files.exists(wrapper)) {
            Path tmp = Files.createTempFile(where, "runtime", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.writeString(tmp, script);
            Files.move(tmp, wrapper, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return wrapper;
    }

    private static String quote(String arg) {
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /** Waits until conmon has the container created (its PID file), or reports why it failed. */
    private long awaitCreated(String id) throws IOException {
        Path pidFile = dir(id).resolve("ctr.pid");
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            String pid = readQuietly(pidFile);
            if (!pid.isEmpty()) {
                return Long.parseLong(pid);
            }
            if (Files.exists(exits.resolve(id)) || (Files.exists(dir(id).resolve("conmon.pid")) && !monitorAlive(id))) {
                break;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the container", e);
            }
        }
        String why = (runtimeError(id) + " " + readQuietly(dir(id).resolve("conmon.err")) + " " + lastLogLines(id)).strip();
        throw new IOException("the container did not start" + (why.isEmpty() ? "" : ": " + why));
    }

    /** The runtime's last error from its log (runc writes logfmt with msg="...", crun plain text). */
    private String runtimeError(String id) {
        List<String> lines = readQuietly(dir(id).resolve("runtime.log")).lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) return "";
        String last = lines.getLast();
        var msg = java.util.regex.Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(last);
        return msg.find() ? msg.group(1).replace("\\\"", "\"") : last;
    }

    private String lastLogLines(String id) throws IOException {
        return ConmonLog.read(dir(id).resolve("ctr.log"), 0).events().stream().map(e -> e.line())
                .collect(Collectors.joining("; "));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether the conmon that the PID file names still runs (and is that conmon, not a reused PID). */
    private boolean monitorAlive(String id) {
        String pid = readQuietly(dir(id).resolve("conmon.pid"));
        if (pid.isEmpty()) return false;
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", pid, "cmdline"));
            String args = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
            return args.startsWith("conmon ") && args.contains(" -c " + id + " ");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void signal(String id, String signal) throws IOException {
        ProcessRunner.Result r = processes.run(runtimeFor(id).argv("kill", id, signal), COMMAND_DEADLINE);
        // "No such process": the container ended between our look and the kill; conmon records its exit next
        if (r.exitCode() != 0 && !r.output().contains("No such process") && state(id) instanceof RunState.Running) {
            throw new IOException("could not signal " + id + ": " + r.output().strip());
        }
    }

    @Override
    public RunState state(String id) throws IOException {
        String exit = readQuietly(exits.resolve(id));
        if (!exit.isEmpty()) {
            int code = Integer.parseInt(exit);
            return new RunState.Exited(code, code == 137 && MemoryCgroup.failures(id) > 0);
        }
        String pid = readQuietly(dir(id).resolve("ctr.pid"));
        if (!pid.isEmpty() && monitorAlive(id)) {
            return new RunState.Running(Long.parseLong(pid));
        }
        return new RunState.Absent();
    }

    @Override
    public void release(String id) throws IOException {
        List<String> problems = new java.util.ArrayList<>();
        if (monitorAlive(id)) {
            // a lost run: its container is killed first, conmon then ends by itself
            processes.run(runtimeFor(id).argv("kill", id, "KILL"), COMMAND_DEADLINE);
        }
        ContainerRun.forceDelete(runtimeFor(id), processes, id).ifPresent(problems::add);
        try {
            bundles.mounts().unmount(bundle(id).resolve("rootfs"));
        } catch (IOException e) {
            problems.add(e.getMessage());
        }
        ContainerRun.removeCgroups(id);
        Files.deleteIfExists(sockets.resolve(id));
        Files.deleteIfExists(exits.resolve(id));
        Files.deleteIfExists(dir(id).resolve("ctr.pid"));
        Files.deleteIfExists(dir(id).resolve("conmon.pid"));
        if (!problems.isEmpty()) {
            throw new IOException("cleanup of instance " + id + " incomplete: " + String.join("; ", problems));
        }
    }

    @Override
    public void remove(String id) throws IOException {
        release(id);
        ContainerRun.deleteTree(dir(id));
    }

    @Override
    public Set<String> known() throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals("exits") && !name.equals("sockets") && !name.equals("exec")).collect(Collectors.toSet());
        }
    }

    @Override
    public ExecProcess exec(String id, ExecSpec spec) throws IOException {
        OciRuntime oci = runtimeFor(id);
        return oci == runtime.get() ? execs().exec(id, spec)
                : new RuntimeExec(oci, processes, json, root.resolve("exec")).exec(id, spec);
    }

    /**
     * The runtime for commands on instance {@code id}. runsc's sandbox answers on an abstract unix socket, which
     * lives in the sandbox's network namespace: every runsc command on an instance with a network runs in that
     * namespace while it exists (after it is gone, so is the sandbox). crun and runc: the runtime as it is.
     */
    private OciRuntime runtimeFor(String id) throws IOException {
        OciRuntime oci = runtime.get();
        String netns = readQuietly(dir(id).resolve(NETNS_FILE));
        return netns.isEmpty() || !Files.exists(Path.of(netns)) ? oci : oci.inNetns(Path.of(netns));
    }

    private synchronized RuntimeExec execs() {
        if (execs == null) {
            execs = new RuntimeExec(runtime.get(), processes, json, root.resolve("exec"));
        }
        return execs;
    }

    @Override
    public LogChunk logs(String id, long from) throws IOException {
        return ConmonLog.read(dir(id).resolve("ctr.log"), from);
    }

    @Override
    public void close() {
        exitWatcher.close();
    }
}
