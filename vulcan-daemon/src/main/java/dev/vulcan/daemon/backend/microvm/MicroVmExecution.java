package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import dev.vulcan.daemon.backend.oci.CodeIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * One workload in its own VM: a qcow2 overlay on the image's rootfs (none for shell code, which runs
 * in the initramfs), boot, mount the rootfs, run the command chrooted into it (code: written to
 * /vulcan/io first, result.json read back after), kill the VM and delete the overlay. Shell code gets
 * the input on stdin (and in $VULCAN_INPUT when small), as in the container runtime. With warm
 * starts, a VM with a rootfs continues from a snapshot instead of booting ({@link WarmStart}):
 * python from its parked interpreter, which gets the code on stdin ({@link Zygote}).
 * One virtual thread supervises it (QEMU is forked by the driver's own platform thread).
 */
final class MicroVmExecution implements Execution {

    private static final Logger log = LoggerFactory.getLogger(MicroVmExecution.class);
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    /** The largest output kept as the result, as for containers. */
    static final int MAX_OUTPUT = 1024 * 1024;
    /** A guest below this cannot unpack the initramfs and run a shell. */
    static final int MIN_GUEST_MB = 128;
    private static final int INPUT_IN_ENV = 100_000;
    /** How long copying one file in or out of the guest may take. */
    private static final Duration FILE_DEADLINE = Duration.ofSeconds(30);
    /** How much longer than the workload's timeout the host waits for the agent's answer. */
    static final Duration AGENT_GRACE = Duration.ofSeconds(30);

    private final MicroVmBackend.Ready ready;
    private final MicroVmBackend.Config config;
    private final WorkPlanner planner;
    private final RootfsImages rootfs;
    private final WarmSnapshots snapshots;
    private final VmNetwork network;
    private final ExecutionRequest request;
    private final LogSink logs;
    private final JsonMapper json;
    private final Runnable onEnd;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final long started = System.nanoTime();
    private volatile VmDriver.Running vm;
    private volatile long bootedNanos;
    /** Whether the VM continues from a snapshot (set by the supervisor before it runs the work). */
    private volatile boolean restored;
    private Thread supervisor;

    MicroVmExecution(MicroVmBackend.Ready ready, MicroVmBackend.Config config, WorkPlanner planner, RootfsImages rootfs,
            WarmSnapshots snapshots, ExecutionRequest request, LogSink logs, JsonMapper json, Runnable onEnd) {
        this(ready, config, planner, rootfs, snapshots, request, logs, json, onEnd, null);
    }

    /** @param network puts the VM on the network the request joined (null: the request must join none) */
    MicroVmExecution(MicroVmBackend.Ready ready, MicroVmBackend.Config config, WorkPlanner planner, RootfsImages rootfs,
            WarmSnapshots snapshots, ExecutionRequest request, LogSink logs, JsonMapper json, Runnable onEnd,
            VmNetwork network) {
        this.network = network;
        this.snapshots = snapshots;
        this.ready = ready;
        this.config = config;
        this.planner = planner;
        this.rootfs = rootfs;
        this.request = request;
        this.logs = logs;
        this.json = json;
        this.onEnd = onEnd;
    }

    static String vmId(String workloadId) {
        String id = "wl-" + workloadId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        return id.length() > 60 ? id.substring(0, 60) : id;
    }

    synchronized void start() {
        supervisor = Thread.ofVirtual().name("microvm-" + request.workloadId()).start(this::run);
    }

    @Override
    public CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    @Override
    public void kill(String reason, String message) {
        if (outcome.complete(new Outcome.Killed(reason, message, elapsed()))) {
            VmDriver.Running current = vm;
            if (current != null) {
                current.kill(); // the supervisor sees its channel close and cleans up
            }
        }
    }

    /**
     * WARM when the VM continued from a snapshot, COLD when it booted; started once the guest is
     * ready for the command (the agent's hello, or for a zygote the moment its state is loaded).
     */
    @Override
    public dev.vulcan.daemon.backend.SandboxStart sandboxStart() {
        long booted = bootedNanos;
        return new dev.vulcan.daemon.backend.SandboxStart(restored ? dev.vulcan.daemon.backend.SandboxStart.Kind.WARM
                : dev.vulcan.daemon.backend.SandboxStart.Kind.COLD, booted == 0 ? null : Duration.ofNanos(booted - started));
    }

    /** QEMU's resident memory, or 0 before it runs. */
    long rssBytes() {
        VmDriver.Running current = vm;
        return current == null ? 0 : dev.vulcan.daemon.backend.ProcessMemory.rssBytes(current.pid());
    }

    void awaitCleanup() {
        Thread t;
        synchronized (this) {
            t = supervisor;
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private void run() {
        String id = vmId(request.workloadId());
        Path overlay = config.stateDir().resolve("run").resolve(id + ".root.qcow2");
        try {
            GuestWork work = planner.plan(request);
            dev.vulcan.daemon.backend.NetworkJoin join = request.sandbox().network();
            if (join != null && network == null) {
                throw new IOException("this microVM backend was built without networking");
            }
            int cpus = request.limits().cpus();
            int memoryMb = Math.max(MIN_GUEST_MB, request.limits().memMb());
            Path disk = null;
            // a snapshot holds its devices: a networked VM (one more card) boots instead
            WarmStart warm = snapshots == null || join != null ? null : WarmStart.of(work);
            long tapNanos = 0;
            WarmSnapshots.Lease lease = null;
            String unusable = null;
            try {
                if (work.image() != null) {
                    Path base = rootfs.acquire(work.image(), request.workloadId());
                    Files.createDirectories(overlay.getParent());
                    if (warm != null) {
                        WarmSnapshots.Meta meta = new WarmSnapshots.Meta(warm.flavour(work), ready.image().id(),
                                rootfs.digest(work.image()), ready.driver().version(), ready.accelerator(), cpus, memoryMb);
                        try {
                            lease = snapshots.get(meta, (memory, snapDisk, ram) -> warm.save(work, ready, config, rootfs, base,
                                    snapshots, meta, memory, snapDisk, ram));
                        } catch (IOException e) {
                            // no snapshot (the save failed, or it was collected meanwhile): this one boots
                            log.atWarn().setMessage("no warm snapshot, booting").addKeyValue("workload", request.workloadId())
                                    .addKeyValue("flavour", meta.flavour()).addKeyValue("reason", e.getMessage()).log();
                        }
                    }
                    if (lease != null) {
                        // the disk as it was when the VM was saved: the restored guest has it mounted and cached
                        Files.copy(lease.snapshot().disk(), overlay);
                    } else {
                        rootfs.overlay(base, overlay);
                    }
                    disk = overlay;
                }
                WarmSnapshots.Snapshot snapshot = lease == null ? null : lease.snapshot();
                if (outcome.isDone()) {
                    return;
                }
                long tapStart = System.nanoTime();
                VmNic nic = join == null ? null : network.prepare(join);
                tapNanos = System.nanoTime() - tapStart;
                VmSpec spec = new VmSpec(id, ready.image(), ready.accelerator(), cpus, memoryMb,
                        config.stateDir().resolve("run").resolve(id), List.of(), disk,
                        snapshot == null ? null : snapshot.memory(), snapshot == null ? null : new SnapshotRam(snapshot.ram(), false),
                        nic);
                try {
                    vm = ready.driver().launch(spec, config.boot());
                    if (outcome.isDone()) {
                        return; // killed while QEMU started
                    }
                    if (snapshot != null) {
                        vm.resume(config.boot());
                    }
                } catch (IOException | RuntimeException e) {
                    unusable = snapshot == null || outcome.isDone() ? null : snapshot.key();
                    throw e;
                }
            } finally {
                if (lease != null) {
                    lease.close(); // QEMU has the snapshot's files open (or never will)
                }
                if (unusable != null) {
                    // a snapshot QEMU cannot load (a file damaged or deleted by hand) would fail every restore: the next builds anew
                    snapshots.discard(unusable);
                }
            }
            restored = lease != null;
            if (restored && warm == WarmStart.ZYGOTE) {
                // the agent is inside the zygote's command: no hello, the code goes to its stdin
                try (AgentClient agent = AgentClient.resumed(vm.agentChannel())) {
                    bootedNanos = System.nanoTime();
                    outcome.complete(runZygote(agent, (GuestWork.Code) work));
                }
                return;
            }
            try (AgentClient agent = AgentClient.handshake(vm.agentChannel(), config.boot())) {
                bootedNanos = System.nanoTime(); // the guest agent said hello: the VM is ready for the command
                if (!restored && disk != null) {
                    agent.mountRootfs("/dev/vda", "ext4", config.boot());
                }
                if (join != null) {
                    long guestStart = System.nanoTime();
                    VmNetwork.configureGuest(agent, join, disk != null ? VmNetwork.ROOTFS : "", FILE_DEADLINE);
                    log.atDebug().setMessage("microvm joined its network").addKeyValue("workload", request.workloadId())
                            .addKeyValue("tap_ms", tapNanos / 1_000_000)
                            .addKeyValue("guest_ms", (System.nanoTime() - guestStart) / 1_000_000).log();
                }
                outcome.complete(switch (work) {
                    case GuestWork.Shell shell -> runShell(agent, shell);
                    case GuestWork.InImage image -> runImage(agent, image);
                    case GuestWork.Code code -> runCode(agent, code);
                });
            }
        } catch (IOException | RuntimeException e) {
            String why = vm == null ? e.getMessage() : e.getMessage() + " (" + vm.diagnostics() + ")";
            log.atWarn().setMessage("microvm workload failed").addKeyValue("workload", request.workloadId())
                    .addKeyValue("reason", why).log();
            outcome.complete(new Outcome.Failed("backend_error", why, null, elapsed()));
        } finally {
            VmDriver.Running current = vm;
            if (current != null) {
                current.close(); // the guest's disk is a throw-away overlay: no shutdown, just the end
            }
            try {
                Files.deleteIfExists(overlay);
            } catch (IOException e) {
                log.atWarn().setMessage("cannot delete a VM overlay").addKeyValue("file", overlay).setCause(e).log();
            }
            rootfs.release(request.workloadId());
            onEnd.run();
        }
    }

    /** A restored guest wakes with the clock and random state of its save: $1 the time, $2 fresh host bytes (hex). */
    private static final String REFRESH = "date -u -s \"@$1\" > /dev/null && printf %s \"$2\" > /dev/urandom";

    /** For a restored guest before an image command: {@link #REFRESH} (an initramfs command). */
    static List<String> refreshCommand(long epochSeconds, String seedHex) {
        return List.of("/bin/sh", "-c", REFRESH, "sh", Long.toString(epochSeconds), seedHex);
    }

    /** Unpacks the io dir's tar (stdin) into the rootfs, after {@link #REFRESH} for a restored guest. */
    static List<String> prepareCommand(boolean restored, long epochSeconds, String seedHex) {
        String script = (restored ? REFRESH + " && " : "")
                + "mkdir -p /rootfs" + GuestWork.IO + " && tar -x -f - -C /rootfs" + GuestWork.IO;
        return List.of("/bin/sh", "-c", script, "sh", Long.toString(epochSeconds), seedHex);
    }

    /** Fresh bytes from the host's CSPRNG: seeds for restored guests, nonces. */
    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** The io dir's files: the code (or the archive's files) and input.json. */
    private List<CodeArchive.Entry> ioFiles(GuestWork.Code code) {
        List<CodeArchive.Entry> files = new java.util.ArrayList<>(code.archive() != null
                ? CodeArchive.read(code.archive(), code.code().codeFile())
                : List.of(new CodeArchive.Entry(code.code().codeFile(),
                        (code.source() == null ? "" : code.source()).getBytes(StandardCharsets.UTF_8), false)));
        files.removeIf(e -> e.path().equals(CodeIo.INPUT) || e.path().equals(CodeIo.RESULT));
        files.add(new CodeArchive.Entry(CodeIo.INPUT, request.inputJson().getBytes(StandardCharsets.UTF_8), false));
        return files;
    }

    /** The io dir's files as a tar. */
    private byte[] ioTar(GuestWork.Code code) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.LONGFILE_POSIX);
            for (CodeArchive.Entry e : ioFiles(code)) {
                var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(e.path());
                entry.setSize(e.content().length);
                entry.setMode(e.executable() ? 0100755 : 0100644);
                tar.putArchiveEntry(entry);
                tar.write(e.content());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private Outcome runShell(AgentClient agent, GuestWork.Shell shell) throws IOException {
        byte[] input = request.inputJson().getBytes(StandardCharsets.UTF_8);
        Map<String, String> env = input.length < INPUT_IN_ENV ? Map.of("VULCAN_INPUT", request.inputJson()) : Map.of();
        Run run = command(agent, new CommandRequest(List.of("/bin/sh", "-c", shell.script()), env, "/tmp",
                request.limits().timeout(), input, false));
        return run.outcome(this::stdoutOutcome);
    }

    private Outcome runImage(AgentClient agent, GuestWork.InImage image) throws IOException {
        if (restored) {
            CommandResult fresh = agent.exec(new CommandRequest(refreshCommand(java.time.Instant.now().getEpochSecond(),
                    java.util.HexFormat.of().formatHex(randomBytes(32))), Map.of(), "/", FILE_DEADLINE, null, false),
                    (stream, chunk) -> { }, FILE_DEADLINE.plusSeconds(5));
            if (!fresh.succeeded()) {
                throw new IOException("cannot set the restored guest's clock: " + fresh.kind() + " " + fresh.message());
            }
        }
        Run run = command(agent, new CommandRequest(image.argv(), image.env(), image.cwd(), request.limits().timeout(),
                null, true));
        return run.outcome(this::stdoutOutcome);
    }

    private Outcome runCode(AgentClient agent, GuestWork.Code code) throws IOException {
        CommandResult prepared = agent.exec(new CommandRequest(prepareCommand(restored, java.time.Instant.now().getEpochSecond(),
                java.util.HexFormat.of().formatHex(randomBytes(32))), Map.of(), "/", FILE_DEADLINE, ioTar(code), false),
                (stream, chunk) -> { }, FILE_DEADLINE.plusSeconds(5));
        if (!prepared.succeeded()) {
            throw new IOException("cannot write the code into the guest: " + prepared.kind() + " " + prepared.message());
        }
        Run run = command(agent, new CommandRequest(code.code().argv(), Map.of(), GuestWork.IO,
                request.limits().timeout(), null, true));
        return codeOutcome(agent, code, run);
    }

    /**
     * Code for a restored zygote: the files, clock and seed go to its stdin, and it runs the entrypoint.
     * The agent started that command before the save, without a timeout (the guest's clock then was
     * not this one): the host enforces it, and at the timeout the VM is killed.
     */
    private Outcome runZygote(AgentClient agent, GuestWork.Code code) throws IOException {
        byte[] seed = randomBytes(32);
        List<Zygote.File> files = new java.util.ArrayList<>();
        for (CodeArchive.Entry e : ioFiles(code)) {
            files.add(new Zygote.File(e.path(), e.executable(), e.content()));
        }
        String nonce = java.util.HexFormat.of().formatHex(randomBytes(16));
        byte[] payload = Zygote.payload(files, java.time.Instant.now(), seed, nonce, json);
        Duration timeout = request.limits().timeout();
        ResultTrailer trailer = new ResultTrailer(nonce);
        Run run;
        try {
            run = command(listener -> {
                CommandResult r = agent.finish(payload, trailer.wrap(listener), timeout);
                trailer.flush();
                return r;
            });
        } catch (AgentException e) {
            if (e.reason() != AgentException.Reason.DEADLINE) {
                throw e;
            }
            return new Outcome.Killed("timeout", "timed out after " + timeout.toSeconds() + " s", elapsed());
        }
        return codeOutcome(agent, code, run, trailer.result());
    }

    private Outcome codeOutcome(AgentClient agent, GuestWork.Code code, Run run) throws IOException {
        return codeOutcome(agent, code, run, new ResultTrailer.Result.Unknown());
    }

    /** known: what the zygote's trailer said of result.json (Unknown: read it from the guest). */
    private Outcome codeOutcome(AgentClient agent, GuestWork.Code code, Run run, ResultTrailer.Result known) throws IOException {
        return run.outcome((exit, stdout) -> {
            // The entrypoint's files come back through the same io-dir reader as for containers.
            Path io = Files.createTempDirectory("vulcan-vm-io-");
            try {
                // only a shell script leaves syntax.txt: one read fewer for the others
                for (String name : code.code().writesResult() ? List.of(CodeIo.RESULT) : List.of(CodeIo.RESULT, CodeIo.SYNTAX)) {
                    byte[] content = switch (known) {
                        case ResultTrailer.Result.Content c when name.equals(CodeIo.RESULT) -> c.bytes();
                        case ResultTrailer.Result.Absent a when name.equals(CodeIo.RESULT) -> null;
                        default -> read(agent, GuestWork.IO + "/" + name);
                    };
                    if (content != null) {
                        Files.write(io.resolve(name), content);
                    }
                }
                return CodeIo.outcome(code.code(), io, exit, stdout, elapsed(), json);
            } finally {
                QemuVm.deleteTree(io);
            }
        });
    }

    /** A regular file of the rootfs (at most the result cap), or null when there is none. */
    private byte[] read(AgentClient agent, String path) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandResult r = agent.exec(new CommandRequest(List.of("/bin/sh", "-c",
                "[ -f \"$1\" ] && [ ! -L \"$1\" ] || exit 3; head -c " + (CodeIo.MAX_RESULT_BYTES + 1) + " \"$1\"", "sh",
                "/rootfs" + path), Map.of(), "/", FILE_DEADLINE, null, false), (stream, chunk) -> {
                    if (stream == LogSink.Stream.STDOUT) {
                        out.writeBytes(chunk);
                    }
                }, FILE_DEADLINE.plusSeconds(5));
        return r.kind() == CommandResult.Kind.EXITED && r.code() == 0 ? out.toByteArray() : null;
    }

    /** How a finished command turns into an outcome. */
    @FunctionalInterface
    private interface Finish {
        Outcome apply(int exitCode, String stdout) throws IOException;
    }

    private record Run(CommandResult result, String stdout, boolean tooLarge, Duration timeout, Supplier<Duration> elapsed) {
        Outcome outcome(Finish finish) throws IOException {
            return switch (result.kind()) {
                case EXITED -> tooLarge
                        ? new Outcome.Failed("invalid_output", "the output is larger than 1 MB", null, elapsed.get())
                        : finish.apply(result.code(), stdout);
                case TIMED_OUT -> new Outcome.Killed("timeout", "timed out after " + timeout.toSeconds() + " s", elapsed.get());
                case SIGNALED -> new Outcome.Failed("signal", "the process was killed by " + result.message(), null, elapsed.get());
                case NOT_STARTED -> new Outcome.Failed("backend_error", result.message(), null, elapsed.get());
            };
        }
    }

    private Outcome stdoutOutcome(int exitCode, String stdout) {
        return new Outcome.Exited(exitCode, json.writeValueAsString(stdout), elapsed());
    }

    /** Runs the workload's command, its output into the log and (stdout, capped) into the result. */
    private Run command(AgentClient agent, CommandRequest command) throws IOException {
        // The agent enforces the timeout; this deadline is for a guest that stopped answering altogether.
        return command(listener -> agent.exec(command, listener, request.limits().timeout().plus(AGENT_GRACE)));
    }

    /** A command's run on the agent, its output going to the listener given. */
    @FunctionalInterface
    private interface Exchange {
        CommandResult run(AgentClient.OutputListener output) throws IOException;
    }

    private Run command(Exchange exchange) throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Lines out = new Lines(LogSink.Stream.STDOUT, logs);
        Lines err = new Lines(LogSink.Stream.STDERR, logs);
        Duration timeout = request.limits().timeout();
        CommandResult result = exchange.run((stream, chunk) -> {
            if (stream == LogSink.Stream.STDOUT) {
                out.accept(chunk);
                if (stdout.size() <= MAX_OUTPUT) {
                    stdout.writeBytes(chunk);
                }
            } else {
                err.accept(chunk);
            }
        });
        out.finish();
        err.finish();
        return new Run(result, stdout.toString(StandardCharsets.UTF_8), stdout.size() > MAX_OUTPUT, timeout, this::elapsed);
    }
}
