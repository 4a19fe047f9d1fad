package dev.vulcan.daemon.http;

import dev.vulcan.api.Resources;
import dev.vulcan.api.Workload;
import dev.vulcan.api.WorkloadsPost;
import dev.vulcan.daemon.backend.ExecutionRequest.ImageCommand;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.image.ImageReference;
import java.util.List;
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
        boolean hasCode = post.code() != null && !post.code().isBlank();
        boolean hasImage = post.image() != null && !post.image().isBlank();
        boolean hasArchive = post.codeArchive() != null;
        if (hasArchive && (hasCode || hasImage)) {
            throw new InvalidException("invalid_request", "code_archive replaces code: give one of code, code_archive or image");
        }
        if (hasArchive) {
            hasCode = true; // the rules below for code apply to an archive too
        }
        if (!hasCode && !hasImage) {
            throw new InvalidException("missing_code", "code or image is required: the module to run, whose default"
                    + " export is called with the input, or the image whose command to run");
        }
        if (hasCode && hasImage) {
            throw new InvalidException("invalid_request", "give code or image, not both");
        }
        if (!hasImage && (post.cmd() != null || post.args() != null)) {
            throw new InvalidException("invalid_request", "cmd and args go with an image");
        }
        if (post.cmd() != null && post.args() != null) {
            throw new InvalidException("invalid_request",
                    "give cmd (shell form, run by the image's /bin/sh -c) or args (exec form), not both");
        }
        Runtime runtime;
        dev.vulcan.api.Isolation isolation;
        try {
            runtime = hasImage && post.runtime() == null ? Runtime.OCI : Runtime.parse(post.runtime());
        } catch (IllegalArgumentException e) {
            throw new InvalidException("invalid_runtime", e.getMessage());
        }
        if (hasImage != (runtime == Runtime.OCI)) {
            throw new InvalidException("invalid_runtime", hasImage
                    ? "an image workload runs the image's command: runtime must be oci or omitted"
                    : "runtime oci runs an image: give image instead of code");
        }
        try {
            isolation = post.isolation() == null ? dev.vulcan.api.Isolation.AUTO
                    : dev.vulcan.api.Isolation.parse(post.isolation());
        } catch (IllegalArgumentException e) {
            throw new InvalidException("invalid_isolation", e.getMessage());
        }
        Resources r = post.resources() == null ? Resources.unset() : post.resources();
        String input = post.input() == null ? "null" : json.writeValueAsString(post.input());
        ImageCommand image = null;
        if (hasImage) {
            String ref = ImageReference.parse(post.image()).toString();
            if (post.args() != null && post.args().stream().anyMatch(a -> a == null)) {
                throw new InvalidException("invalid_request", "args must be strings");
            }
            image = post.cmd() != null ? new ImageCommand(ref, List.of(post.cmd()), true)
                    : new ImageCommand(ref, post.args(), false);
        }
        var sandbox = new dev.vulcan.daemon.backend.ExecutionRequest.Sandbox(Boolean.TRUE.equals(post.readOnly()),
                Boolean.TRUE.equals(post.userns()));
        byte[] archive = null;
        if (hasArchive) {
            try {
                archive = java.util.Base64.getMimeDecoder().decode(post.codeArchive());
            } catch (IllegalArgumentException e) {
                throw new InvalidException("invalid_archive", "code_archive is not base64: " + e.getMessage());
            }
        }
        return new WorkloadSpec(runtime, isolation, hasCode && !hasArchive ? post.code() : null, input, r.cpus(), r.memMb(),
                r.timeoutS(), image, r.pids(), sandbox,
                post.network() == null || post.network().equals("none") ? null : post.network(), archive);
    }

    Workload workload(WorkloadRecord r) {
        JsonNode output = r.outputJson() == null ? null : json.readTree(r.outputJson());
        return new Workload(r.id(), r.status(), r.isolation(), r.isolationUsed(), r.runtime().wire(), r.image(), r.nodeId(),
                output, r.exitCode(), r.error(), r.reason(), r.stack(),
                new Resources(r.limits().cpus(), r.limits().memMb(), (int) r.limits().timeout().toSeconds(),
                        r.limits().pids()),
                r.inputHash(), r.durationMs(), r.createdAt(), r.startedAt(), r.finishedAt());
    }
}
