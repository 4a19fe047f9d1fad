package dev.vulcan.daemon.backend.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Overlaps the kernel's cgroup-migration grace period with a container's start (cgroup v1 hosts).
 *
 * <p>Why: moving a process into a cgroup (the runtime writing the container's pid to {@code cgroup.procs})
 * takes the kernel's global {@code cgroup_threadgroup_rwsem} for writing; when no such write happened in the
 * last grace period, that first waits for a full RCU grace period (measured here: 5-20 ms of crun's ~20 ms,
 * {@code strace -T} on its first {@code cgroup.procs} write; the following ones take microseconds). Writes
 * within a grace period of each other share it. So when a container starts, a daemon thread moves the daemon
 * into the cgroup it already is in ({@code 0} into its own {@code cgroup.procs}: a no-op move) while the
 * bundle is built and the runtime starts up; the runtime's own write then finds the wait done or under way.
 *
 * <p>Nothing is created or changed: the target is re-read from {@code /proc/self/cgroup} before each write,
 * so the daemon stays where it is. On a pure cgroup v2 host (no v1 hierarchy) this does nothing.
 */
final class CgroupWarmup {

    private static final Logger log = LoggerFactory.getLogger(CgroupWarmup.class);
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    private static final Path SELF = Path.of("/proc/self/cgroup");

    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicInteger starting = new java.util.concurrent.atomic.AtomicInteger();
    private final boolean enabled;

    /** One container start, from its cgroup phase until its runtime is released; closing it ends the start. */
    interface Start extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * A container start begins: nudges unless another start is under way. Starts that overlap keep the kernel's
     * state warm with their own cgroup writes, and a warm-up during a burst only holds the cgroup lock the
     * others need (measured: 50 at once got slower with a nudge per start).
     */
    Start starting() {
        if (starting.incrementAndGet() == 1) {
            nudge();
        }
        return starting::decrementAndGet;
    }

    CgroupWarmup() {
        this.enabled = ownProcsFile().isPresent();
    }

    /** Starts one no-op move unless one is already under way (it serves every start that overlaps it). */
    private void nudge() {
        if (!enabled || !inFlight.compareAndSet(false, true)) {
            return;
        }
        // a platform thread: the write blocks in the kernel for the grace period
        Thread.ofPlatform().daemon().name("cgroup-warmup").start(() -> {
            try {
                Optional<Path> procs = ownProcsFile();
                if (procs.isPresent()) {
                    Files.writeString(procs.get(), "0");
                }
            } catch (IOException | RuntimeException e) {
                log.atDebug().setCause(e).log("cgroup warm-up write failed");
            } finally {
                inFlight.set(false);
            }
        });
    }

    /**
     * This process's {@code cgroup.procs} in the first cgroup v1 hierarchy (with a controller) mounted at
     * {@code /sys/fs/cgroup/<controllers>}; empty when there is none.
     */
    static Optional<Path> ownProcsFile() {
        try {
            return procsFile(Files.readAllLines(SELF), CGROUP_ROOT);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** From /proc/self/cgroup lines ({@code id:controllers:path}): the first v1 entry whose procs file exists. */
    static Optional<Path> procsFile(List<String> lines, Path root) {
        for (String line : lines) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3 || parts[1].isEmpty() || parts[1].startsWith("name=")) {
                continue;
            }
            Path procs = root.resolve(parts[1]).resolve(parts[2].substring(1)).resolve("cgroup.procs");
            if (Files.isRegularFile(procs)) {
                return Optional.of(procs);
            }
        }
        return Optional.empty();
    }
}
