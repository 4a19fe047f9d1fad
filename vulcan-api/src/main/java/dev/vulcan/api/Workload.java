package dev.vulcan.api;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * A workload as the API shows it. output is the JSON value the code returned (completed only);
 * error, reason and stack explain a failed or killed workload.
 *
 * @param isolation     what the caller asked for (may be auto)
 * @param isolationUsed what actually ran it
 * @param image         the image reference of an image workload (null for code)
 * @param reason        machine-readable cause of a failed or killed workload: timeout, memory_limit,
 *                      exception, syntax_error, invalid_output, exit_code, killed, host_crashed, daemon_restarted
 */
public record Workload(
        String id,
        WorkloadStatus status,
        Isolation isolation,
        Isolation isolationUsed,
        String runtime,
        String image,
        String node,
        JsonNode output,
        Integer exitCode,
        String error,
        String reason,
        String stack,
        Resources resources,
        String inputHash,
        Long durationMs,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt) {}
