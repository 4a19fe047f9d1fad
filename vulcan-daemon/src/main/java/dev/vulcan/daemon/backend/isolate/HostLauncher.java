package dev.vulcan.daemon.backend.isolate;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts host processes and cleans up after them: the socket, command line and environment, the
 * memory cgroup, the record in the run dir, and the thread that forks them.
 *
 * <p>Hosts must end with the daemon even when it is killed with -9, when it cannot close their
 * sockets in order. So each one runs under {@code setpriv --pdeathsig KILL} (which execs: the PID
 * stays deno's), and the kernel kills it when its parent dies. "Parent" means the thread that
 * forked it, and Java forks from the thread that calls ProcessBuilder.start(). Measured with
 * JDK 25 (posix_spawn via jspawnhelper) on Linux 6.18: a child started from a platform thread that
 * then ended got SIGKILL at once; one started from a virtual thread got it 30 s later, when its
 * carrier thread was retired from the idle ForkJoinPool; one started from a thread that kept
 * running lived on, and died within 100 ms of the JVM's SIGKILL. So every host is forked by one
 * platform thread that lives as long as this launcher. The host also exits when its socket
 * closes, and the next daemon sweeps whatever is left (see {@link LeftoverHosts}).
 */
final class HostLauncher implements AutoCloseable {

    /**
     * What a host uses besides its workload, added to the workload's mem_mb to make its cgroup
     * limit. Measured with Deno 2.9.6 on x86-64 (Linux 6.18, cgroup v1), reading VmRSS from
     * /proc/PID/status and memory.max_usage_in_bytes of the host's own group: an idle host with
     * its blank worker has an RSS of 45 MB (16 MB anonymous, 29 MB of the mapped deno binary);
     * after 30 small JavaScript, TypeScript and console-heavy workloads, 70 MB (peak 72 MB: 33 MB
     * anonymous, 37 MB file). The group is charged for file pages only if it read them first:
     * 13 MB idle and 44 MB peak with the binary already cached; 75 MB idle and 96 MB peak from a
     * cold cache, of which ~60 MB was read-ahead page cache the kernel reclaims at the limit (the
     * same run under a 16 MB workload's 80 MB limit completed with no OOM kill). 64 MB covers
     * the anonymous memory and the mapped part of the binary, so mem_mb is left to the workload.
     */
    static final int HOST_BASELINE_MB = 64;
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Logger log = LoggerFactory.getLogger(HostLauncher.class);

    /** A spawned host: its process, its memory cgroup (null without cgroups) and its record file. */
    record Launched(Process process, CgroupMemory.Group group, Path record) {

        /** Whether the kernel OOM-killed the host because of its cgroup limit. */
        boolean oomKilled() {
            return group != null && group.oomKilled();
        }
    }

    private final IsolateConfig config;
    private final CgroupMemory memory;
    private final boolean parentDeathSignal;
    private final String groupPrefix;
    // Forks every host: it must outlive them all (see the class comment). A ThreadPoolExecutor
    // keeps its one core thread until shutdown, and submit() catches whatever a task throws.
    private final ExecutorService spawner =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("isolate-spawner").factory());

    HostLauncher(IsolateConfig config, CgroupMemory memory) {
        this.config = config;
        this.memory = memory;
        this.parentDeathSignal = Files.isExecutable(SETPRIV);
        this.groupPrefix = groupPrefix(config.runDir());
    }

    /**
     * Host groups are named "<prefix><index>"; the prefix is derived from the run dir, so daemons
     * with different state dirs never touch each other's groups under the shared parent.
     */
    static String groupPrefix(Path runDir) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(runDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6) + "-";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static Path socket(Path runDir, int index) {
        return runDir.resolve("isolate-" + index + ".sock");
    }

    static Path denoDir(Path runDir, int index) {
        return runDir.resolve("deno-" + index);
    }

    /**
     * Deno's module-analysis caches (SQLite files in DENO_DIR) would record every workload's
     * code, which arrives as a data: URL. A directory where such a file belongs makes Deno keep
     * that cache in memory instead (checked on Deno 2.9.6: nothing of the code reaches the disk,
     * see IsolateBackendIT), so the code dies with the host.
     */
    static final java.util.List<String> MEMORY_ONLY_CACHES = java.util.List.of(
            "dep_analysis_cache_v2", "node_analysis_cache_v2");

    static Path prepareDenoDir(Path runDir, int index) throws IOException {
        Path dir = denoDir(runDir, index);
        deleteTree(dir);
        for (String cache : MEMORY_ONLY_CACHES) {
            Files.createDirectories(dir.resolve(cache));
        }
        return dir;
    }

    static Path record(Path runDir, int index) {
        return runDir.resolve("isolate-" + index + ".pid");
    }

    /** The cgroup limit for a workload of memMb: the host's own use plus the workload's. */
    static long limitBytes(int memMb) {
        return (HOST_BASELINE_MB + (long) memMb) * 1024 * 1024;
    }

    CgroupMemory memory() {
        return memory;
    }

    String groupPrefix() {
        return groupPrefix;
    }

    /** What the probe reports about memory enforcement and host clean-up. */
    Map<String, String> details() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("memory_enforcement", memory.enforcement());
        if (memory instanceof CgroupMemory.Usable usable) {
            details.put("memory_cgroups", usable.parent() + "/" + groupPrefix + "<n>, limit mem_mb + "
                    + HOST_BASELINE_MB + " MB");
        }
        details.put("host_lifetime", parentDeathSignal
                ? "killed with the daemon (setpriv --pdeathsig KILL), exits on socket EOF, swept at start-up"
                : "exits on socket EOF, swept at start-up (no " + SETPRIV + ": no parent-death signal)");
        return details;
    }

    /**
     * The host may read its worker bootstrap and use its own socket (Deno 2.9 asks for read,
     * write and net access to connect to a unix socket); its workers get no permissions at all.
     * The heap flag is per process, which is why hosts are pooled per memory class.
     */
    List<String> command(int memMb, Path socket) {
        List<String> command = new ArrayList<>();
        if (parentDeathSignal) {
            command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        command.addAll(List.of(
                config.denoBinary().toString(), "run",
                "--no-config", "--no-lock", "--no-npm", "--no-remote", "--no-prompt", "--no-code-cache",
                "--unstable-worker-options",
                "--v8-flags=--max-old-space-size=" + memMb,
                "--allow-read=" + config.workerScript() + "," + socket,
                "--allow-write=" + socket,
                "--allow-net=unix:" + socket,
                config.hostScript().toString(),
                socket.toString()));
        return command;
    }

    /**
     * A bare environment: nothing of the daemon's leaks into the host. Deno keeps no emitted
     * code and no Web Cache on disk, so workloads leave nothing behind for the next one; what it
     * still records (module metadata) goes to the host's own cache dir, deleted with the host.
     */
    static Map<String, String> environment(Path denoDir) {
        return Map.of(
                "DENO_DIR", denoDir.toString(),
                "DENO_EMIT_CACHE_MODE", "disable",
                "DENO_CACHE_DB_MODE", "memory",
                "DENO_NO_PACKAGE_JSON", "1",
                "DENO_NO_UPDATE_CHECK", "1",
                "NO_COLOR", "1");
    }

    /** Binds the socket the host will connect to (stdin/stdout are reachable by workers). */
    static ServerSocketChannel bind(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(socket), 1);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IOException("cannot bind " + socket + ": " + e.getMessage(), e);
        }
        return channel;
    }

    /**
     * Spawns host number index (stdin from /dev/null, stdout and stderr merged into one
     * diagnostic stream), puts it in its memory cgroup and records it in the run dir. The host
     * gets no work before it says "ready", which is after this returns.
     */
    Launched launch(int index, int memMb) throws IOException {
        Path socket = socket(config.runDir(), index);
        CgroupMemory.Group group = switch (memory) {
            case CgroupMemory.Usable usable -> usable.create(groupPrefix + index, limitBytes(memMb));
            case CgroupMemory.Unavailable ignored -> null;
        };
        ProcessBuilder builder = new ProcessBuilder(command(memMb, socket))
                .directory(config.runDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(environment(prepareDenoDir(config.runDir(), index)));
        Process process;
        try {
            process = spawn(builder);
        } catch (IOException e) {
            removeQuietly(group);
            throw e;
        }
        Path record = record(config.runDir(), index);
        try {
            if (group != null) {
                group.join(process.pid());
            }
            HostRecord.of(process.pid()).write(record);
        } catch (IOException e) {
            if (ProcStat.of(process.pid()).filter(ProcStat::running).isEmpty()) {
                // It ended on its own (it could not start): its exit and output tell why.
                return new Launched(process, group, record);
            }
            process.destroyForcibly();
            awaitQuietly(process);
            removeQuietly(group);
            deleteQuietly(record);
            throw new IOException("could not confine isolate host " + index + ": " + e.getMessage(), e);
        }
        return new Launched(process, group, record);
    }

    private Process spawn(ProcessBuilder builder) throws IOException {
        try {
            return spawner.submit(builder::start).get();
        } catch (RejectedExecutionException e) {
            throw new IOException("the isolate backend is closed", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting an isolate host", e);
        }
    }

    /** After the process has ended: removes its cgroup, record and cache dir. */
    void cleanUp(int index, Launched launched) {
        if (launched != null) {
            removeQuietly(launched.group());
            deleteQuietly(launched.record());
        }
        deleteTree(denoDir(config.runDir(), index));
    }

    /** Ends the spawning thread; the parent-death signal then ends any host still running. */
    @Override
    public void close() {
        spawner.shutdownNow();
    }

    private static void awaitQuietly(Process process) {
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void removeQuietly(CgroupMemory.Group group) {
        if (group == null) {
            return;
        }
        try {
            group.remove();
        } catch (IOException e) {
            log.atWarn().setCause(e).addKeyValue("cgroup", group.dir()).log("could not remove isolate host cgroup");
        }
    }

    static void closeQuietly(ServerSocketChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // already broken; nothing more to release
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(HostLauncher::deleteQuietly);
        } catch (IOException | UncheckedIOException e) {
            log.atWarn().setCause(e).addKeyValue("dir", dir).log("could not delete isolate host cache");
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the run dir is swept again at start-up
        }
    }
}
