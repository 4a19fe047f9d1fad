package dev.vulcan.daemon.workload;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.ExecutionRequest.ImageCommand;
import dev.vulcan.daemon.backend.ExecutionRequest.Sandbox;
import dev.vulcan.daemon.backend.Runtime;

/**
 * A validated request to run code, or an image's command (runtime OCI). Limits not given by the
 * caller are null here and filled in by the service's {@link LimitPolicy}.
 *
 * @param inputJson the input as JSON text, "null" when absent
 * @param image     the image and its command, null for code
 * @param pids      the task cap asked, null for the default
 * @param sandbox   security options beyond the defaults
 * @param network   the network to join, null for none
 * @param codeArchive a gzipped tar with the runtime's entrypoint, instead of code; null for none
 */
public record WorkloadSpec(Runtime runtime, Isolation isolation, String code, String inputJson,
        Integer cpus, Integer memMb, Integer timeoutS, ImageCommand image, Integer pids, Sandbox sandbox,
        String network, byte[] codeArchive) {
    public WorkloadSpec {
        if (sandbox == null) {
            sandbox = Sandbox.DEFAULT;
        }
        if (codeArchive != null && (code != null || image != null)) {
            throw new IllegalArgumentException("a code archive replaces code and image");
        }
        if (image == null && codeArchive == null && (code == null || code.isBlank())) {
            throw new IllegalArgumentException("code is required");
        }
        if (image != null && code != null) {
            throw new IllegalArgumentException("give code or an image, not both");
        }
        if ((image != null) != (runtime == Runtime.OCI)) {
            throw new IllegalArgumentException("an image runs with runtime oci, code with a language runtime");
        }
        if (inputJson == null) {
            inputJson = "null";
        }
    }

    /** A workload with no network and no code archive. */
    public WorkloadSpec(Runtime runtime, Isolation isolation, String code, String inputJson, Integer cpus, Integer memMb,
            Integer timeoutS, ImageCommand image, Integer pids, Sandbox sandbox) {
        this(runtime, isolation, code, inputJson, cpus, memMb, timeoutS, image, pids, sandbox, null, null);
    }

    /** A workload with the default task cap and sandbox. */
    public WorkloadSpec(Runtime runtime, Isolation isolation, String code, String inputJson,
            Integer cpus, Integer memMb, Integer timeoutS, ImageCommand image) {
        this(runtime, isolation, code, inputJson, cpus, memMb, timeoutS, image, null, Sandbox.DEFAULT);
    }

    /** Code in a runtime. */
    public WorkloadSpec(Runtime runtime, Isolation isolation, String code, String inputJson,
            Integer cpus, Integer memMb, Integer timeoutS) {
        this(runtime, isolation, code, inputJson, cpus, memMb, timeoutS, null);
    }
}
