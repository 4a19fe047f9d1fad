package dev.vulcan.api;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Body of POST /v1/workloads and POST /v1/workloads/async: either code in a runtime with an
 * input, or an image with a command (cmd in shell form, or args in exec form), plus resource
 * limits. isolation defaults to auto. readOnly (a read-only root file system) and userns
 * (container root mapped to an unprivileged host uid range) apply to container workloads;
 * null means false. network names the network a container workload joins (null or "none": only
 * a loopback interface). codeArchive (code_archive) is a base64 gzipped tar holding the runtime's entrypoint
 * (main.py, main.mjs, main.sh) and what it needs, instead of code (microvm isolation).
 */
public record WorkloadsPost(String runtime, String isolation, String code, JsonNode input, Resources resources,
        String image, String cmd, List<String> args, Boolean readOnly, Boolean userns, String network,
        String codeArchive) {

    /** A workload without a network or a code archive. */
    public WorkloadsPost(String runtime, String isolation, String code, JsonNode input, Resources resources,
            String image, String cmd, List<String> args, Boolean readOnly, Boolean userns) {
        this(runtime, isolation, code, input, resources, image, cmd, args, readOnly, userns, null, null);
    }

    /** A workload with the default security options. */
    public WorkloadsPost(String runtime, String isolation, String code, JsonNode input, Resources resources,
            String image, String cmd, List<String> args) {
        this(runtime, isolation, code, input, resources, image, cmd, args, null, null);
    }

    /** A code workload. */
    public WorkloadsPost(String runtime, String isolation, String code, JsonNode input, Resources resources) {
        this(runtime, isolation, code, input, resources, null, null, null);
    }
}
