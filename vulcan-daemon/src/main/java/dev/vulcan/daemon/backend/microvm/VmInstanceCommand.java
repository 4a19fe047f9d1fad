package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.NetworkJoin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of an instance VM. Unlike a workload VM's QEMU (a child of the daemon that dies with
 * it), this one is started detached, in its own session, under a tiny shell monitor that writes QEMU's
 * exit status to the exits dir: so it outlives the daemon and a restarted daemon can tell how it ended.
 * QEMU listens on the sockets (server=on, wait=off), so any daemon can connect later. Devices:
 * <ul>
 *   <li>a virtio console ({@code /dev/hvc0}, the main process's terminal) on {@code console.sock}, everything
 *       it writes also appended to {@code console.log}, which QEMU writes whether or not a client is attached;
 *   <li>the agent's virtio-serial port on {@code agent.sock}, and {@link #EXEC_PORTS} more ports for execs
 *       running side by side ({@code exec.N.sock}, each served by a worker of the agent);
 *   <li>a status port backed by a file, where the agent writes the main process's exit before powering off;
 *   <li>the instance's disk (its qcow2 overlay, kept across runs) as {@code /dev/vda};
 *   <li>the 8250 serial (kernel and agent messages) to {@code serial.log}, for diagnostics only.
 * </ul>
 */
final class VmInstanceCommand {

    static final String CONSOLE_PORT = "vulcan.console";
    static final String STATUS_PORT = "vulcan.status";
    /** Extra agent ports, each served by a worker of the agent: execs that can run at once besides the agent's own. */
    static final int EXEC_PORTS = 3;
    /** Runs QEMU (its argv after the exit file), then records its exit status atomically. */
    static final String MONITOR = "exit_file=$1; shift; \"$@\"; s=$?; echo \"$s\" > \"$exit_file.tmp\"; mv \"$exit_file.tmp\" \"$exit_file\"";

    /**
     * What a network adds to the VM: a prefix QEMU runs under (e.g. {@code nsenter --net=NETNS}, so its TAP is
     * in the run's namespace), QEMU options (the NIC and its backend), kernel arguments and what the guest must
     * run before the main process starts (e.g. {@code ip addr add ...}, run by the agent in the initramfs).
     */
    record NetworkArgs(List<String> launcher, List<String> qemu, List<String> kernel, List<CommandRequest> guestSetup) {
        static final NetworkArgs NONE = new NetworkArgs(List.of(), List.of(), List.of(), List.of());

        NetworkArgs {
            launcher = List.copyOf(launcher);
            qemu = List.copyOf(qemu);
            kernel = List.copyOf(kernel);
            guestSetup = List.copyOf(guestSetup);
        }
    }

    private VmInstanceCommand() {}

    /** setsid (a session of its own: not in the daemon's), then the monitor shell, then QEMU. */
    static List<String> monitored(VmInstanceFiles files, List<String> qemu) {
        List<String> argv = new ArrayList<>(List.of("setsid", "sh", "-c", MONITOR, "vulcan-vm-monitor",
                files.exit().toAbsolutePath().toString()));
        argv.addAll(qemu);
        return argv;
    }

    static List<String> qemu(Path binary, VmInstanceFiles files, VmImage image, Accelerator accelerator, TscFrequency tsc,
            int cpus, int memoryMb, NetworkArgs network) {
        Path dir = files.dir().toAbsolutePath();
        List<String> append = new ArrayList<>(List.of("console=ttyS0", "panic=-1", "quiet"));
        append.addAll(Accelerator.kernelArgs(accelerator, tsc));
        append.add("vulcan.exec_ports=" + EXEC_PORTS);
        append.addAll(network.kernel());
        List<String> command = new ArrayList<>(network.launcher());
        command.addAll(List.of(binary.toString(), "-name", name(files.id()), "-M", "microvm"));
        command.addAll(Accelerator.qemuArgs(accelerator));
        command.addAll(List.of(
                "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
                "-smp", Integer.toString(cpus), "-m", memoryMb + "M",
                "-kernel", image.kernel().toAbsolutePath().toString(),
                "-initrd", image.initramfs().toAbsolutePath().toString(),
                "-append", String.join(" ", append),
                "-serial", "file:" + dir.resolve("serial.log"),
                "-chardev", "socket,id=console,path=" + files.consoleSocket().toAbsolutePath()
                        + ",server=on,wait=off,logfile=" + files.consoleLog().toAbsolutePath() + ",logappend=on",
                "-chardev", "socket,id=agent,path=" + files.agentSocket().toAbsolutePath() + ",server=on,wait=off",
                "-chardev", "file,id=status,path=" + files.status().toAbsolutePath(),
                "-device", "virtio-serial-device",
                "-device", "virtconsole,chardev=console,name=" + CONSOLE_PORT,
                "-device", "virtserialport,chardev=agent,name=" + QemuDriver.PORT_NAME,
                "-device", "virtserialport,chardev=status,name=" + STATUS_PORT));
        for (int n = 1; n <= EXEC_PORTS; n++) {
            command.addAll(List.of(
                    "-chardev", "socket,id=exec" + n + ",path=" + files.execSocket(n).toAbsolutePath() + ",server=on,wait=off",
                    "-device", "virtserialport,chardev=exec" + n + ",name=vulcan.exec." + n));
        }
        command.addAll(List.of(
                "-qmp", "unix:" + files.qmpSocket().toAbsolutePath() + ",server=on,wait=off",
                "-pidfile", files.qemuPid().toAbsolutePath().toString(),
                // the instance's disk lives on across runs: QEMU's default writeback cache, flushed when it exits
                "-drive", "id=root,if=none,format=qcow2,file=" + files.overlay().toAbsolutePath(),
                "-device", "virtio-blk-device,drive=root"));
        command.addAll(network.qemu());
        return command;
    }

    /** QEMU's -name: how a live QEMU is told from a reused pid. */
    static String name(String id) {
        return "vulcan-inst-" + id;
    }

    /**
     * What the VM gets for the network its run joins: the TAP made in the run's namespace, QEMU started inside
     * it with the sandbox's MAC, and the one guest command (after the disk is mounted) that takes over the
     * sandbox's addresses, routes and names ({@link VmNetwork}).
     */
    static NetworkArgs network(VmNetwork vmNetwork, NetworkJoin join) throws java.io.IOException {
        if (join == null) {
            return NetworkArgs.NONE;
        }
        VmNic nic = vmNetwork.prepare(join);
        return new NetworkArgs(nic.enter(), nic.qemuArgs(), List.of(), List.of(VmNetwork.guestCommand(join, VmNetwork.ROOTFS)));
    }
}
