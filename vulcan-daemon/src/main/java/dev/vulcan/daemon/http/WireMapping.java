package dev.vulcan.daemon.http;

import dev.vulcan.api.Resources;
import dev.vulcan.api.Workload;
import dev.vulcan.api.WorkloadsPost;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.workload.WorkloadRecord;
import dev.vulcan.daemon.workload.WorkloadSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Wire records to domain values and back. */
final class WireMapping {

    private final JsonMapper json;

    WireMapping(JsonMapper json) {
        this.json = json;
    }

    WorkloadSpec spec(WorkloadsPost post) {
        if (post.code() == null || post.code().isBlank()) {
            throw new InvalidException("missing_code", "code is required: the module to run, whose default export"
                    + " is called with the input");
        }
        Runtime runtime;
        dev.vulcan.api.Isolation isolation;
        try {
            runtime = Runtime.parse(post.runtime());
        } catch (IllegalArgumentException e) {
            throw new InvalidException("invalid_runtime", e.getMessage());
        }
        try {
            isolation = post.isolation() == null ? dev.vulcan.api.Isolation.AUTO
                    : dev.vulcan.api.Isolation.parse(post.isolation());
        } catch (IllegalArgumentException e) {
            throw new InvalidException("invalid_isolation", e.getMessage());
        }
        Resources r = post.resources() == null ? Resources.unset() : post.resources();
        String input = post.input() == null ? "null" : json.writeValueAsString(post.input());
        return new WorkloadSpec(runtime, isolation, post.code(), input, r.cpus(), r.memMb(), r.timeoutS());
    }

    Workload workload(WorkloadRecord r) {
        JsonNode output = r.outputJson() == null ? null : json.readTree(r.outputJson());
        return new Workload(r.id(), r.status(), r.isolation(), r.isolationUsed(), r.runtime().wire(), r.nodeId(),
                output, r.exitCode(), r.error(), r.reason(), r.stack(),
                new Resources(r.limits().cpus(), r.limits().memMb(), (int) r.limits().timeout().toSeconds()),
                r.inputHash(), r.durationMs(), r.createdAt(), r.startedAt(), r.finishedAt());
    }
}
