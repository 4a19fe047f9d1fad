package dev.vulcan.daemon.backend.isolate;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a daemon killed with -9 leaves behind, swept before the backend starts hosts of its own:
 * host processes that outlived it (recorded in isolate-N.pid, or still in one of its memory
 * cgroups), their sockets and cache dirs in the run dir, and their cgroups.
 */
final class LeftoverHosts {
    private LeftoverHosts() {}

    /** How long killed hosts get to be gone before their cgroups are removed anyway. */
    static final Duration KILL_WAIT = Duration.ofSeconds(3);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Logger log = LoggerFactory.getLogger(LeftoverHosts.class);

    /** Kills leftover hosts and removes what they left; returns how many processes were killed. */
    static int sweep(Path runDir, CgroupMemory memory, String groupPrefix) {
        List<ProcStat> killed = new ArrayList<>();
        for (Path file : list(runDir, "isolate-*.pid")) {
            HostRecord.read(file).flatMap(LeftoverHosts::stillRunning).ifPresent(host -> kill(host, killed));
        }
        List<CgroupMemory.Group> groups = memory instanceof CgroupMemory.Usable usable
                ? usable.groups(groupPrefix) : List.of();
        // Every process in one of our groups is a host of ours, whether or not it got a record.
        for (CgroupMemory.Group group : groups) {
            for (long pid : group.pids()) {
                ProcessHandle.of(pid).ifPresent(host -> kill(host, killed));
            }
        }
        awaitGone(killed);
        groups.forEach(LeftoverHosts::awaitEmpty);
        groups.forEach(HostLauncher::removeQuietly);
        for (Path socket : list(runDir, "isolate-*.sock")) {
            HostLauncher.deleteQuietly(socket);
        }
        for (Path dir : list(runDir, "deno-*")) {
            HostLauncher.deleteTree(dir);
        }
        for (Path record : list(runDir, "isolate-*.pid")) {
            HostLauncher.deleteQuietly(record);
        }
        if (!killed.isEmpty() || !groups.isEmpty()) {
            log.atWarn().addKeyValue("killed", killed.stream().map(ProcStat::pid).toList())
                    .addKeyValue("cgroups", groups.stream().map(CgroupMemory.Group::name).toList())
                    .addKeyValue("run_dir", runDir).log("swept leftover isolate hosts");
        }
        return killed.size();
    }

    /** The live process the record names, or empty if its PID is gone or now names another process. */
    private static Optional<ProcessHandle> stillRunning(HostRecord record) {
        // The handle pins the process by its start time; the record's start time says it is the host.
        return ProcessHandle.of(record.pid()).filter(handle -> record.running());
    }

    private static void kill(ProcessHandle host, List<ProcStat> killed) {
        if (host.pid() == ProcessHandle.current().pid() || killed.stream().anyMatch(k -> k.pid() == host.pid())) {
            return;
        }
        ProcStat.of(host.pid()).filter(ProcStat::running).ifPresent(stat -> {
            host.destroyForcibly();
            killed.add(stat);
        });
    }

    /**
     * Until each killed process has ended (a zombie has: its parent, now init, reaps it in its
     * own time). ProcessHandle.onExit() counts zombies as alive, hence /proc.
     */
    private static void awaitGone(List<ProcStat> killed) {
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        for (ProcStat host : killed) {
            while (stillRuns(host) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(POLL.toNanos());
            }
            if (stillRuns(host)) {
                log.atWarn().addKeyValue("pid", host.pid()).addKeyValue("waited_ms", KILL_WAIT.toMillis())
                        .log("leftover isolate host did not end");
            }
        }
    }

    /**
     * Until the group holds no process: a killed host stays listed, as a zombie, until its parent
     * reaps it, and a group with a zombie in it cannot be removed (EBUSY).
     */
    private static void awaitEmpty(CgroupMemory.Group group) {
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (!group.pids().isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    private static boolean stillRuns(ProcStat host) {
        return ProcStat.of(host.pid()).filter(now -> now.startTicks() == host.startTicks() && now.running())
                .isPresent();
    }

    private static List<Path> list(Path dir, String glob) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> paths = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, glob)) {
            stream.forEach(paths::add);
        } catch (IOException e) {
            log.atWarn().setCause(e).addKeyValue("dir", dir).log("could not list the isolate run dir");
        }
        return paths;
    }
}
