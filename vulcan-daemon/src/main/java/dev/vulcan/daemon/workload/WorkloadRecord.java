package dev.vulcan.daemon.workload;

import dev.vulcan.api.Isolation;
import dev.vulcan.api.WorkloadStatus;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import java.time.Instant;

/**
 * One workload as the node stores it. Immutable: transitions return a new record.
 *
 * @param image   the image reference of an image workload (runtime oci), else null; code is then null
 * @param command the image workload's argv as asked (one string for the shell form), else null
 */
public record WorkloadRecord(
        String id,
        WorkloadStatus status,
        Isolation isolation,
        Isolation isolationUsed,
        Runtime runtime,
        String image,
        java.util.List<String> command,
        String nodeId,
        String inputHash,
        String inputJson,
        String code,
        String outputJson,
        Integer exitCode,
        String error,
        String reason,
        String stack,
        Limits limits,
        Long durationMs,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt) {

    WorkloadRecord running(Instant now) {
        return new WorkloadRecord(id, WorkloadStatus.RUNNING, isolation, isolationUsed, runtime, image, command, nodeId, inputHash,
                inputJson, code, null, null, null, null, null, limits, null, createdAt, now, null);
    }

    WorkloadRecord finished(Outcome outcome, Instant now) {
        long ms = outcome.elapsed().toMillis();
        return switch (outcome) {
            case Outcome.Completed c -> end(WorkloadStatus.COMPLETED, c.outputJson(), 0, null, null, null, ms, now);
            case Outcome.Failed f -> end(WorkloadStatus.FAILED, null, 1, f.message(), f.reason(), f.stack(), ms, now);
            case Outcome.Exited e when e.exitCode() == 0 ->
                    end(WorkloadStatus.COMPLETED, e.outputJson(), 0, null, null, null, ms, now);
            case Outcome.Exited e -> end(WorkloadStatus.FAILED, null, e.exitCode(),
                    "exited with code " + e.exitCode(), "exit_code", null, ms, now);
            case Outcome.Killed k -> end(WorkloadStatus.KILLED, null, 137, k.message(), k.reason(), null, ms, now);
        };
    }

    WorkloadRecord failedBeforeStart(String failReason, String message, Instant now) {
        return end(WorkloadStatus.FAILED, null, null, message, failReason, null, 0L, now);
    }

    private WorkloadRecord end(WorkloadStatus newStatus, String output, Integer exit, String err, String why,
            String trace, Long ms, Instant now) {
        return new WorkloadRecord(id, newStatus, isolation, isolationUsed, runtime, image, command, nodeId, inputHash, inputJson,
                code, output, exit, err, why, trace, limits, ms, createdAt, startedAt, now);
    }
}
