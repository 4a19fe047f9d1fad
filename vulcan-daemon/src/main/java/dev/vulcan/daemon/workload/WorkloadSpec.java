package dev.vulcan.daemon.workload;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Runtime;

/**
 * A validated request to run code. Limits not given by the caller are null here and filled in
 * by the service's {@link LimitPolicy}.
 *
 * @param inputJson the input as JSON text, "null" when absent
 */
public record WorkloadSpec(Runtime runtime, Isolation isolation, String code, String inputJson,
        Integer cpus, Integer memMb, Integer timeoutS) {
    public WorkloadSpec {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("code is required");
        }
        if (inputJson == null) {
            inputJson = "null";
        }
    }
}
