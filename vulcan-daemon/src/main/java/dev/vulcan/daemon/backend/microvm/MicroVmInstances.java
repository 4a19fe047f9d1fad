package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.ExecProcess;
import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.backend.oci.ImageConfig;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.backend.microvm.qmp.QmpClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Long-lived microVMs (isolation microvm instances). Each run is a QEMU started detached under a
 * monitor shell ({@link VmInstanceCommand}): it outlives the daemon, and what a restarted daemon needs
 * is in files ({@link VmInstanceFiles}): QEMU's pid, the exit the monitor records, the main process's
 * exit the agent writes. The guest agent mounts the instance's disk (a qcow2 overlay on the image's
 * ext4, kept across runs) and starts the main process with the console as its terminal; when that
 * process ends, the agent records its exit and powers the VM off. Stop is an ACPI power-button press
 * (QMP system_powerdown; the agent sends the main process SIGTERM), then SIGKILL to QEMU.
 * Exec and the console connect to QEMU's sockets per session, one session of each kind at a time.
 */
public final class MicroVmInstances implements InstanceDriver {

    private static final Logger log = LoggerFactory.getLogger(MicroVmInstances.class);
    /** From launch to the agent's answer: a TCG boot takes seconds, a busy machine more. */
    private static final Duration BOOT = Duration.ofSeconds(90);
    private static final Duration QMP_DEADLINE = Duration.ofSeconds(10);
    private static final Duration CONNECT = Duration.ofSeconds(15);
    /** Guest RAM of an instance that asked for no memory limit. */
    static final int DEFAULT_MEMORY_MB = 256;

    private final MicroVmBackend backend;
    private final ImageStore images;
    private final JsonMapper json;
    private final Path root;
    /** Per instance, the exec sockets in use (each serves one session at a time). */
    private final Map<String, Set<Path>> execs = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> consoles = new ConcurrentHashMap<>();
    private final dev.vulcan.daemon.backend.ExitWatcher exitWatcher;

    /** root: STATE/microvm/instances (kept short: the VMs' unix sockets live below it). */
    public MicroVmInstances(MicroVmBackend backend, ImageStore images, JsonMapper json, Path root) throws IOException {
        this.backend = backend;
        this.images = images;
        this.json = json;
        this.root = root;
        Files.createDirectories(VmInstanceFiles.exitsDir(root));
        this.exitWatcher = new dev.vulcan.daemon.backend.ExitWatcher(VmInstanceFiles.exitsDir(root), "vm-instance-exits");
        backend.rootfs().pin(() -> {
            try {
                return basesInUse();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot list the instance disks' bases", e);
            }
        });
    }

    private VmInstanceFiles files(String id) {
        return new VmInstanceFiles(root, id);
    }

    @Override
    public boolean has(String id) {
        return Files.isDirectory(root.resolve(id)) && !id.equals("exits");
    }

    /** Starts watching for exits: the monitor writes {@code exits/<id>} when QEMU ends. */
    @Override
    public void watch() throws IOException {
        exitWatcher.start();
    }

    @Override
    public void onExit(Consumer<String> listener) {
        exitWatcher.onExit(listener);
    }

    @Override
    public long start(String id, Launch launch) throws IOException {
        MicroVmBackend.Ready ready = backend.ready();
        VmInstanceFiles files = files(id);
        files.checkSocketPaths();
        if (!launch.mounts().isEmpty()) {
            throw new IOException("microvm instances cannot mount volumes (yet)");
        }
        var command = launch.command();
        ImageReference ref = ImageReference.parse(command.ref());
        ImageConfig config = ImageConfig.read(images, ref, json);
        List<String> argv = command.shellForm() ? config.argv(command.argv().getFirst(), null) : config.argv(null, command.argv());
        if (argv.isEmpty()) {
            throw new IOException("the image " + ref + " has no command: give one");
        }
        Map<String, String> env = new LinkedHashMap<>(GuestWork.env(config.env()));
        env.putAll(GuestWork.env(launch.env()));
        Files.createDirectories(files.dir());
        VmInstanceProcesses.clearRun(files);
        if (!Files.exists(files.overlay())) {
            // the instance's disk: made on its first start, then kept until it is removed
            Path base = backend.rootfs().base(ref);
            backend.rootfs().overlay(base, files.overlay());
            Files.writeString(files.base(), base.toAbsolutePath().toString());
        }
        Files.write(files.launch(), json.writeValueAsBytes(Map.of("env", env, "cwd", config.workingDir())));
        int cpus = Math.max(1, (int) Math.ceil(launch.limits().cpus()));
        int memoryMb = launch.limits().memMb() > 0 ? Math.max(MicroVmExecution.MIN_GUEST_MB, launch.limits().memMb())
                : DEFAULT_MEMORY_MB;
        VmInstanceCommand.NetworkArgs network = VmInstanceCommand.network(backend.network(), launch.network());
        List<String> qemu = VmInstanceCommand.qemu(ready.driver().binary(), files, ready.image(), ready.accelerator(),
                ready.driver().tsc(), cpus, memoryMb, network);
        Process monitor = new ProcessBuilder(VmInstanceCommand.monitored(files, qemu))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(files.qemuLog().toFile()))
                .start();
        Files.writeString(files.monitorPid(), Long.toString(monitor.pid()));
        try {
            try (AgentStream agent = connectAgent(files, monitor, BOOT)) {
                agent.send(AgentFrame.mount("/dev/vda", "ext4"));
                agent.answer(AgentFrame.MOUNT, "mounting the instance's disk");
                for (CommandRequest step : network.guestSetup()) {
                    CommandResult r = agent.run(step);
                    if (!r.succeeded()) {
                        throw new IOException("setting up the guest's network (" + step.argv().getFirst() + ") failed: "
                                + r.kind() + " " + r.code() + " " + r.message());
                    }
                }
                agent.send(AgentFrame.start(new CommandRequest(argv, env, config.workingDir(), null, null, true)));
                agent.answer(AgentFrame.START, "starting " + argv.getFirst());
            }
            long pid = VmInstanceProcesses.qemu(files).orElseThrow(() -> new IOException("QEMU ended right after the start"));
            log.atInfo().setMessage("instance vm started").addKeyValue("instance", id).addKeyValue("pid", pid)
                    .addKeyValue("accelerator", ready.accelerator().name()).addKeyValue("memory_mb", memoryMb).log();
            return pid;
        } catch (IOException | RuntimeException e) {
            String why = diagnostics(files);
            // QEMU may not have written its pid file yet: it is found as the monitor's child
            monitor.descendants().forEach(ProcessHandle::destroyForcibly);
            try {
                release(id);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new IOException(e.getMessage() + (why.isEmpty() ? "" : " (" + why + ")"), e);
        }
    }

    /**
     * Waits for QEMU's agent socket, then for the agent's hello (the guest booted). The monitor is watched
     * through its Process: right after the start its /proc entry may still show the JDK's spawn helper.
     */
    private AgentStream connectAgent(VmInstanceFiles files, Process monitor, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        while (!Files.exists(files.agentSocket())) {
            if (!monitor.isAlive()) {
                throw new IOException("QEMU exited at start with status " + VmInstanceProcesses.read(files.exit()));
            }
            if (System.nanoTime() > until) {
                throw new IOException("QEMU did not open its sockets in time");
            }
            pause(20);
        }
        return AgentStream.connect(files.agentSocket(), Duration.ofNanos(Math.max(1, until - System.nanoTime())));
    }

    private static void pause(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String diagnostics(VmInstanceFiles files) {
        String serial = QemuVm.tail(files.dir().resolve("serial.log"), 8);
        String qemu = QemuVm.tail(files.qemuLog(), 3);
        return (serial.isEmpty() ? "" : "serial console: " + serial) + (qemu.isEmpty() ? "" : (serial.isEmpty() ? "" : "; ") + "qemu: " + qemu);
    }

    /** TERM (and anything but KILL): the ACPI power button, so the guest shuts down; KILL: QEMU is killed. */
    @Override
    public void signal(String id, String signal) throws IOException {
        VmInstanceFiles files = files(id);
        if (signal.equals("KILL") || signal.equals("9")) {
            VmInstanceProcesses.qemu(files).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            return;
        }
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), json, QMP_DEADLINE, event -> { })) {
            qmp.execute("system_powerdown", null, QMP_DEADLINE);
        } catch (IOException e) {
            if (state(id) instanceof RunState.Running) {
                throw new IOException("could not power down " + id + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public RunState state(String id) throws IOException {
        VmInstanceFiles files = files(id);
        return VmInstanceState.of(VmInstanceProcesses.read(files.exit()), VmInstanceProcesses.read(files.status()),
                VmInstanceProcesses.qemu(files), VmInstanceProcesses.monitor(files));
    }

    /** Kills what still runs of the run (a lost one), then deletes its run files; the disk and the console log stay. */
    @Override
    public void release(String id) throws IOException {
        VmInstanceFiles files = files(id);
        VmInstanceProcesses.qemu(files).ifPresent(pid -> log.atInfo().setMessage("killing the QEMU of an ended instance run")
                .addKeyValue("instance", id).addKeyValue("pid", pid).log());
        VmInstanceProcesses.end(files);
        VmInstanceProcesses.clearRun(files);
    }

    @Override
    public void remove(String id) throws IOException {
        release(id);
        QemuVm.deleteTree(files(id).dir());
        execs.remove(id);
        consoles.remove(id);
    }

    @Override
    public Set<String> known() throws IOException {
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals("exits")).collect(Collectors.toSet());
        }
    }

    /** The rootfs base images instance disks read through: a rootfs GC must keep these. */
    public Set<Path> basesInUse() throws IOException {
        Set<Path> bases = new java.util.HashSet<>();
        for (String id : known()) {
            String base = VmInstanceProcesses.read(files(id).base());
            if (!base.isEmpty()) bases.add(Path.of(base));
        }
        return bases;
    }

    /** Runs the command in the VM through its agent, chrooted into the instance's disk; a few at once (exec ports). */
    @Override
    public ExecProcess exec(String id, ExecSpec spec) throws IOException {
        VmInstanceFiles files = files(id);
        requireRunning(id);
        Path socket = claimExecSocket(id, files);
        Set<Path> busy = execs.get(id);
        Runnable free = () -> busy.remove(socket);
        AgentStream agent = null;
        try {
            JsonNode launch = json.readTree(Files.readString(files.launch()));
            Map<String, String> env = new LinkedHashMap<>();
            launch.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asString()));
            env.putAll(GuestWork.env(spec.env()));
            String cwd = spec.workdir() != null ? spec.workdir() : launch.path("cwd").asString("/");
            try {
                agent = AgentStream.connect(socket, CONNECT);
            } catch (AgentException e) {
                throw new IOException(e.getMessage() + " (" + diagnostics(files) + ")", e);
            }
            return VmExecProcess.start(agent, new CommandRequest(spec.argv(), env, cwd, null, null, true), spec.tty(),
                    spec.rows(), spec.cols(), free);
        } catch (IOException | RuntimeException e) {
            if (agent != null) agent.close();
            free.run();
            throw e;
        }
    }

    /** A free exec socket of the VM (one that exists: a VM started by an older daemon may have only the agent's). */
    private Path claimExecSocket(String id, VmInstanceFiles files) {
        Set<Path> busy = execs.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet());
        for (Path socket : files.execSockets()) {
            if (Files.exists(socket) && busy.add(socket)) {
                return socket;
            }
        }
        throw new ConflictException("exec_busy", "a microvm instance runs up to " + (1 + VmInstanceCommand.EXEC_PORTS)
                + " execs at once; that many are running");
    }

    /** Attaches to the VM's console (the main process's terminal); one attachment at a time. */
    @Override
    public ExecProcess console(String id) throws IOException {
        requireRunning(id);
        Semaphore permit = consoles.computeIfAbsent(id, k -> new Semaphore(1));
        if (!permit.tryAcquire()) {
            throw new ConflictException("console_busy", "someone is attached to this instance's console");
        }
        try {
            return VmConsoleProcess.attach(files(id).consoleSocket(), permit::release,
                    (rows, cols) -> Thread.ofVirtual().name("vm-console-resize").start(() -> resizeConsole(id, rows, cols)));
        } catch (IOException | RuntimeException e) {
            permit.release();
            throw e;
        }
    }

    /**
     * Sets the size of the console's terminal with the initramfs's stty over a free exec port (best effort:
     * with every port busy, or the VM gone, the console keeps its size).
     */
    private void resizeConsole(String id, int rows, int cols) {
        VmInstanceFiles files = files(id);
        Path socket;
        try {
            socket = claimExecSocket(id, files);
        } catch (ConflictException busy) {
            return;
        }
        try (AgentStream agent = AgentStream.connect(socket, CONNECT)) {
            agent.run(new CommandRequest(List.of("stty", "-F", VmConsoleProcess.GUEST_TTY, "rows", Integer.toString(rows),
                    "cols", Integer.toString(cols)), Map.of(), "", Duration.ofSeconds(10), null, false));
        } catch (IOException e) {
            log.atDebug().setMessage("console resize failed").addKeyValue("instance", id).setCause(e).log();
        } finally {
            execs.get(id).remove(socket);
        }
    }

    /** The VM may have ended a moment before its exit was recorded: that is a conflict, not a broken socket. */
    private void requireRunning(String id) throws IOException {
        if (!(state(id) instanceof RunState.Running) || !Files.exists(files(id).agentSocket())) {
            throw new ConflictException("not_running", "the VM of this instance is not running");
        }
    }

    @Override
    public LogChunk logs(String id, long from) throws IOException {
        return VmConsoleLog.read(files(id).consoleLog(), from);
    }

    @Override
    public void close() {
        exitWatcher.close();
    }
}
