package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.microvm.qmp.QmpClient;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Launches QEMU's {@code microvm} machine: no PCI, no firmware, virtio-mmio devices, the kernel
 * and initramfs booted directly. The daemon listens on the agent and QMP sockets and QEMU connects
 * to them as a client at start-up, so "QEMU connected" is the proof it started, and the socket
 * files are unlinked as soon as both connections are accepted (nothing to clean up later).
 *
 * <p>QEMU runs under {@code setpriv --pdeathsig KILL}: it dies with the daemon. The kernel sends
 * that signal when the forking <em>thread</em> ends, so every QEMU is forked by one platform thread
 * that lives as long as this driver (the same reasoning as the isolate backend's HostLauncher).
 */
public final class QemuDriver implements VmDriver {

    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/qemu-system-x86_64");
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    static final String PORT_NAME = "vulcan.agent";
    private static final Logger log = LoggerFactory.getLogger(QemuDriver.class);

    private final Path binary;
    private final TscFrequency tsc;
    private final JsonMapper json;
    private final String version;
    private final ExecutorService spawner =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("qemu-spawner").factory());

    QemuDriver(Path binary, TscFrequency tsc, JsonMapper json, String version) {
        this.binary = binary;
        this.tsc = tsc;
        this.json = json;
        this.version = version;
    }

    /** Checks the binary answers --version; fails with the reason otherwise. */
    public static QemuDriver create(Path binary, TscFrequency tsc, JsonMapper json, ProcessRunner processes)
            throws IOException {
        if (!Files.isExecutable(binary)) {
            throw new IOException("no QEMU at " + binary + " (Debian qemu-system-x86, installed by scripts/setup)");
        }
        ProcessRunner.Result r = processes.run(List.of(binary.toString(), "--version"), Duration.ofSeconds(20));
        if (r.exitCode() != 0) {
            throw new IOException(binary + " --version failed: " + r.output().strip());
        }
        String first = r.output().lines().findFirst().orElse("").strip();
        String version = first.startsWith("QEMU emulator version ") ? "qemu " + first.substring(22) : first;
        return new QemuDriver(binary, tsc, json, version);
    }

    /** The QEMU binary (instance VMs are launched with their own command line, see VmInstanceCommand). */
    Path binary() {
        return binary;
    }

    TscFrequency tsc() {
        return tsc;
    }

    @Override
    public String version() {
        return version;
    }

    /** The whole command line; the run dir holds the sockets QEMU connects to and its logs. */
    List<String> command(VmSpec spec) {
        Path dir = spec.runDir().toAbsolutePath();
        List<String> append = new ArrayList<>(List.of("console=ttyS0", "panic=-1", "quiet"));
        append.addAll(Accelerator.kernelArgs(spec.accelerator(), tsc));
        append.addAll(spec.extraKernelArgs());
        List<String> command = new ArrayList<>();
        if (spec.nic() != null) {
            command.addAll(spec.nic().enter());
        }
        if (Files.isExecutable(SETPRIV)) {
            command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        command.addAll(List.of(binary.toString(), "-name", "vulcan-" + spec.id(),
                "-M", "microvm" + (spec.ram() == null ? "" : SnapshotRam.machineOption())));
        command.addAll(Accelerator.qemuArgs(spec.accelerator()));
        command.addAll(List.of(
                "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
                "-smp", Integer.toString(spec.cpus()), "-m", spec.memoryMb() + "M",
                "-kernel", spec.image().kernel().toString(),
                "-initrd", spec.image().initramfs().toString(),
                "-append", String.join(" ", append),
                "-serial", "file:" + dir.resolve("serial.log"),
                "-chardev", "socket,id=agent,path=" + dir.resolve("agent.sock"),
                "-device", "virtio-serial-device",
                "-device", "virtserialport,chardev=agent,name=" + PORT_NAME,
                "-qmp", "unix:" + dir.resolve("qmp.sock")));
        if (spec.disk() != null) {
            // cache=unsafe: the overlay is thrown away with the VM, so flushes to the host disk buy nothing.
            command.addAll(List.of(
                    "-drive", "id=root,if=none,format=qcow2,cache=unsafe,file=" + spec.disk().toAbsolutePath(),
                    "-device", "virtio-blk-device,drive=root"));
        }
        if (spec.nic() != null) {
            command.addAll(spec.nic().qemuArgs());
        }
        if (spec.ram() != null) {
            command.addAll(spec.ram().qemuArgs(spec.memoryMb()));
        }
        if (spec.incoming() != null) {
            // QEMU 7.2 has no file: migration URI; cat streams the saved state in (VmSpec checked the path).
            // with a RAM file the capability comes first, over QMP: the URI follows it (QemuVm.resume)
            command.addAll(List.of("-incoming", spec.ram() != null ? "defer" : "exec:cat " + spec.incoming().toAbsolutePath()));
        }
        return command;
    }

    @Override
    public Running launch(VmSpec spec, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        Path dir = spec.runDir().toAbsolutePath();
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir);
        Process process = null;
        try (ServerSocketChannel agentListener = listen(dir.resolve("agent.sock"));
                ServerSocketChannel qmpListener = listen(dir.resolve("qmp.sock"))) {
            ProcessBuilder builder = new ProcessBuilder(command(spec))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("qemu.log").toFile());
            process = spawn(builder);
            log.atInfo().setMessage("qemu started").addKeyValue("vm", spec.id()).addKeyValue("pid", process.pid())
                    .addKeyValue("accelerator", spec.accelerator().name()).log();
            // A unix connect completes in the listen backlog, so the order of these accepts does not matter.
            SocketChannel agent = accept(agentListener, process, until, dir);
            SocketChannel qmpChannel = accept(qmpListener, process, until, dir);
            Files.deleteIfExists(dir.resolve("agent.sock"));
            Files.deleteIfExists(dir.resolve("qmp.sock"));
            QemuVm vm = new QemuVm(spec, process, agent);
            try {
                vm.attach(QmpClient.over(qmpChannel, json, Duration.ofNanos(Math.max(1, until - System.nanoTime())), vm::event));
            } catch (IOException e) {
                agent.close(); // the rest (process, run dir) below, after QEMU's log is read
                throw e;
            }
            return vm;
        } catch (IOException | RuntimeException e) {
            // Killed first: QEMU's last words (an abort, an option error) are in its log once it has exited.
            if (process != null) {
                process.destroyForcibly();
                process.onExit().join();
            }
            String why = process == null ? "" : QemuVm.tail(dir.resolve("qemu.log"), 3);
            QemuVm.deleteTree(dir);
            if (why.isEmpty()) {
                throw e;
            }
            throw new IOException(e.getMessage() + "; qemu: " + why, e);
        }
    }

    private Process spawn(ProcessBuilder builder) throws IOException {
        try {
            return spawner.submit(builder::start).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("cannot start QEMU", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted starting QEMU", e);
        }
    }

    private static ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        channel.bind(UnixDomainSocketAddress.of(socket), 1);
        return channel;
    }

    /** Waits for QEMU to connect, watching that it did not exit instead (bad option, no KVM, ...). */
    private static SocketChannel accept(ServerSocketChannel listener, Process process, long until, Path dir)
            throws IOException {
        listener.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            listener.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                SocketChannel channel = listener.accept();
                if (channel != null) {
                    channel.configureBlocking(true);
                    return channel;
                }
                if (!process.isAlive()) {
                    throw new IOException("QEMU exited with status " + process.exitValue() + " before connecting");
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("QEMU did not connect to " + dir + " in time");
                }
                // Short slices: an exiting QEMU is noticed without a second thread.
                selector.select(Math.min(100, Math.max(1, left / 1_000_000)));
                selector.selectedKeys().clear();
            }
        }
    }

    @Override
    public void close() {
        spawner.shutdown();
    }
}
