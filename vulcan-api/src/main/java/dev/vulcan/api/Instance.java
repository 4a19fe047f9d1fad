package dev.vulcan.api;

import java.time.Instant;
import java.util.List;

/**
 * A long-lived instance as the API shows it.
 *
 * @param command      the command it runs (the image's when none was given: empty)
 * @param exitCode     the last run's exit code, when it ended
 * @param reason       why the last run ended when not by itself: stopped, oom, monitor_lost, daemon_restarted...
 * @param restartCount how often the restart policy started it again
 * @param pid          the host PID of its first process while it runs
 * @param network      its network ("none" for none) and, while it runs, its addresses there
 * @param ports        its published ports, as given ("[HOSTIP:]HOSTPORT:PORT[/PROTO]")
 */
public record Instance(String id, String name, Isolation isolation, String image, List<String> command,
        InstanceStatus status, Integer exitCode, String reason, String restart, int restartCount, List<String> env,
        List<String> volumes, Resources resources, Long pid, String node, Instant createdAt, Instant startedAt,
        Instant finishedAt, NetworkAddress network, List<String> ports) {}
