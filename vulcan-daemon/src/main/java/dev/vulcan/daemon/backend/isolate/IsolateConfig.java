package dev.vulcan.daemon.backend.isolate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the isolate backend runs its Deno hosts.
 *
 * @param denoBinary          the deno executable
 * @param hostDir             the isolate-host/ directory holding host.ts and worker.ts
 * @param runDir              where host sockets, records (isolate-N.pid) and cache dirs live (created on
 *                            demand; swept at start-up)
 * @param hostsPerMemoryClass most host processes per memory class, each running one workload at a time
 * @param defaultMemMb        the memory class most workloads use; its hosts are never reaped when idle
 * @param idleTimeout         how long a host of another memory class may sit idle before it is closed
 * @param healthCheckInterval how often idle hosts are pinged
 */
public record IsolateConfig(Path denoBinary, Path hostDir, Path runDir, int hostsPerMemoryClass, int defaultMemMb,
        Duration idleTimeout, Duration healthCheckInterval) {

    public static final int DEFAULT_HOSTS_PER_MEMORY_CLASS = 4;
    public static final int DEFAULT_MEM_MB = 128;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(5);

    public IsolateConfig {
        denoBinary = Objects.requireNonNull(denoBinary, "denoBinary").toAbsolutePath().normalize();
        hostDir = Objects.requireNonNull(hostDir, "hostDir").toAbsolutePath().normalize();
        runDir = Objects.requireNonNull(runDir, "runDir").toAbsolutePath().normalize();
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(healthCheckInterval, "healthCheckInterval");
        // Deno's --allow-read/--allow-write take comma-separated lists.
        if (hostDir.toString().contains(",") || runDir.toString().contains(",")) {
            throw new IllegalArgumentException("isolate host and run directories must not contain ','");
        }
        if (hostsPerMemoryClass < 1) throw new IllegalArgumentException("hostsPerMemoryClass must be at least 1");
        if (defaultMemMb < 1) throw new IllegalArgumentException("defaultMemMb must be at least 1");
        if (!idleTimeout.isPositive()) throw new IllegalArgumentException("idleTimeout must be positive");
        if (!healthCheckInterval.isPositive()) throw new IllegalArgumentException("healthCheckInterval must be positive");
    }

    /** The defaults: 4 hosts per memory class, 128 MB default class, 60 s idle reaping, 5 s health checks. */
    public static IsolateConfig of(Path denoBinary, Path hostDir, Path runDir) {
        return new IsolateConfig(denoBinary, hostDir, runDir, DEFAULT_HOSTS_PER_MEMORY_CLASS, DEFAULT_MEM_MB,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_HEALTH_CHECK_INTERVAL);
    }

    public IsolateConfig withHostsPerMemoryClass(int hosts) {
        return new IsolateConfig(denoBinary, hostDir, runDir, hosts, defaultMemMb, idleTimeout, healthCheckInterval);
    }

    public IsolateConfig withDefaultMemMb(int memMb) {
        return new IsolateConfig(denoBinary, hostDir, runDir, hostsPerMemoryClass, memMb, idleTimeout,
                healthCheckInterval);
    }

    Path hostScript() {
        return hostDir.resolve("host.ts");
    }

    Path workerScript() {
        return hostDir.resolve("worker.ts");
    }
}
