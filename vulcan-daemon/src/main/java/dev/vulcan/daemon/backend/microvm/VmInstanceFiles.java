package dev.vulcan.daemon.backend.microvm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one instance VM keeps its things, under {@code <root>/<id>/}: the sockets QEMU listens on
 * (agent, QMP, serial console), QEMU's pid file and own output, the console log (everything the main
 * process wrote, kept across runs), the status file the agent writes the main process's exit to, the
 * qcow2 overlay that is the instance's disk (kept across runs) and the launch settings exec reuses.
 * The monitor records QEMU's exit status in {@code <root>/exits/<id>}, one directory to watch.
 */
record VmInstanceFiles(Path root, String id) {

    /** sun_path holds 108 bytes with its NUL; the longest socket name here is "console.sock". */
    static final int MAX_SOCKET_PATH = 107;

    VmInstanceFiles {
        Objects.requireNonNull(root, "root");
        if (!id.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException("bad instance id for a VM " + id + " (lower-case letters, digits, dashes)");
        }
    }

    static Path exitsDir(Path root) {
        return root.resolve("exits");
    }

    Path dir() {
        return root.resolve(id);
    }

    Path agentSocket() {
        return dir().resolve("agent.sock");
    }

    /** The extra exec ports' sockets, 1..{@link VmInstanceCommand#EXEC_PORTS}, each served by an agent worker. */
    Path execSocket(int n) {
        return dir().resolve("exec." + n + ".sock");
    }

    /** Every socket an exec can use: the agent's, then the extra ones. */
    java.util.List<Path> execSockets() {
        java.util.List<Path> all = new java.util.ArrayList<>(java.util.List.of(agentSocket()));
        for (int n = 1; n <= VmInstanceCommand.EXEC_PORTS; n++) {
            all.add(execSocket(n));
        }
        return all;
    }

    Path qmpSocket() {
        return dir().resolve("qmp.sock");
    }

    Path consoleSocket() {
        return dir().resolve("console.sock");
    }

    Path consoleLog() {
        return dir().resolve("console.log");
    }

    Path status() {
        return dir().resolve("status");
    }

    Path qemuPid() {
        return dir().resolve("qemu.pid");
    }

    Path monitorPid() {
        return dir().resolve("monitor.pid");
    }

    Path qemuLog() {
        return dir().resolve("qemu.log");
    }

    Path overlay() {
        return dir().resolve("rootfs.qcow2");
    }

    /** The base image the overlay reads through (rootfs GC must keep it while the instance exists). */
    Path base() {
        return dir().resolve("base");
    }

    Path launch() {
        return dir().resolve("launch.json");
    }

    Path exit() {
        return exitsDir(root).resolve(id);
    }

    /** Fails when the sockets' paths would not fit a unix socket address. */
    void checkSocketPaths() {
        int length = consoleSocket().toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_SOCKET_PATH) {
            throw new IllegalArgumentException("the state dir is too deep for a VM's unix sockets (" + length + " > "
                    + MAX_SOCKET_PATH + " bytes): " + consoleSocket());
        }
    }
}
