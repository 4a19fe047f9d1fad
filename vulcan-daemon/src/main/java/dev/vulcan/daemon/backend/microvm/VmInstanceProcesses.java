package dev.vulcan.daemon.backend.microvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The processes of an instance VM's run as the files name them: QEMU (its pid file) and its monitor shell.
 * A pid counts only while /proc shows that very process (QEMU's -name, the monitor's exit file argument),
 * so a pid reused after a reboot or a long stop is not taken for it.
 */
final class VmInstanceProcesses {

    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private VmInstanceProcesses() {}

    /** QEMU's pid while that QEMU runs (its -name tells it from a reused pid). */
    static OptionalLong qemu(VmInstanceFiles files) {
        return alive(read(files.qemuPid()), "-name\0" + VmInstanceCommand.name(files.id()) + "\0");
    }

    static OptionalLong monitor(VmInstanceFiles files) {
        return alive(read(files.monitorPid()), "vulcan-vm-monitor\0" + files.exit().toAbsolutePath() + "\0");
    }

    private static OptionalLong alive(String pid, String marker) {
        if (!pid.matches("[0-9]{1,10}")) return OptionalLong.empty();
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")), StandardCharsets.UTF_8);
            return cmdline.contains(marker) ? OptionalLong.of(Long.parseLong(pid)) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Ends what runs of a run: QEMU (by its pid file, or as the monitor's child when it has not written that
     * yet), then the monitor, which is waited for so it cannot write its exit file after a cleanup.
     */
    static void end(VmInstanceFiles files) {
        qemu(files).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            awaitExit(p);
        }));
        monitor(files).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            awaitExit(p);
            if (p.isAlive()) {
                p.destroyForcibly();
                awaitExit(p);
            }
        }));
    }

    private static void awaitExit(ProcessHandle p) {
        try {
            p.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // still there: the caller decides
        }
    }

    static void clearRun(VmInstanceFiles files) throws IOException {
        List<Path> run = new java.util.ArrayList<>(List.of(files.exit(), files.exit().resolveSibling(files.id() + ".tmp"),
                files.status(), files.qemuPid(), files.monitorPid(), files.qmpSocket(), files.consoleSocket()));
        run.addAll(files.execSockets());
        for (Path p : run) {
            Files.deleteIfExists(p);
        }
    }
}
