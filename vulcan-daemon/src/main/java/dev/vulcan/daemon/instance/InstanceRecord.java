package dev.vulcan.daemon.instance;

import dev.vulcan.api.InstanceStatus;
import dev.vulcan.api.InstancesPost;
import java.time.Instant;

/**
 * An instance row: its creating request, where it is and where it should be.
 *
 * @param wantRunning whether the user last started it (and has not stopped it): restart policies and a
 *                    daemon restart bring such an instance back
 */
public record InstanceRecord(String id, String name, InstancesPost spec, InstanceStatus status, boolean wantRunning,
        Integer exitCode, String reason, int restartCount, Long pid, Instant createdAt, Instant startedAt,
        Instant finishedAt) {

    InstanceRecord running(long pid, Instant at) {
        return new InstanceRecord(id, name, spec, InstanceStatus.RUNNING, true, null, null, restartCount, pid,
                createdAt, at, null);
    }

    InstanceRecord stopped(Integer exitCode, String reason, boolean wantRunning, Instant at) {
        return new InstanceRecord(id, name, spec, InstanceStatus.STOPPED, wantRunning, exitCode, reason, restartCount,
                null, createdAt, startedAt, at);
    }

    InstanceRecord wanting(boolean running) {
        return new InstanceRecord(id, name, spec, status, running, exitCode, reason, restartCount, pid, createdAt,
                startedAt, finishedAt);
    }

    InstanceRecord restarted() {
        return new InstanceRecord(id, name, spec, status, wantRunning, exitCode, reason, restartCount + 1, pid,
                createdAt, startedAt, finishedAt);
    }
}
