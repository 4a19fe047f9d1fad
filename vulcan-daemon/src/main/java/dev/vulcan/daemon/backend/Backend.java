package dev.vulcan.daemon.backend;

import dev.vulcan.api.Isolation;
import java.util.Set;

/**
 * One kind of sandbox. A backend starts, watches, kills and cleans up its own sandboxes; it
 * never touches the database or HTTP. Implementations are AutoCloseable: closing ends every
 * sandbox they still run.
 */
public interface Backend extends AutoCloseable {

    Isolation isolation();

    /** The runtimes this backend can run code in. */
    Set<Runtime> runtimes();

    /** Whether this backend works on this machine; computed once and cached. */
    BackendStatus probe();

    /** Static facts for /v1/backends: networking, file system, isolation strength. */
    BackendTraits traits();

    /**
     * Why this backend cannot honour the sandbox options, or empty when it can. The default honours only
     * the defaults: a read-only root or a user namespace means nothing to a backend without a root file system.
     */
    default java.util.Optional<String> unsupported(ExecutionRequest.Sandbox sandbox) {
        if (sandbox.readOnlyRootfs()) {
            return java.util.Optional.of("isolation '" + isolation().wire() + "' has no root file system to make read-only");
        }
        if (sandbox.userns()) {
            return java.util.Optional.of("isolation '" + isolation().wire() + "' has no user namespace to remap");
        }
        return java.util.Optional.empty();
    }

    /** Whether its sandboxes can run in a network namespace the network service prepared (ExecutionRequest.Sandbox#network). */
    default boolean joinsNetworks() {
        return false;
    }

    /**
     * Readies what this runtime needs before a workload is recorded (a container backend's base image);
     * throws a {@link dev.vulcan.daemon.error.VulcanException} when it cannot run the runtime now.
     */
    default void prepare(Runtime runtime) {}

    /**
     * Refuses what this backend can never run (InvalidException, so a 4xx) before a workload is
     * recorded: limits beyond the machine, a code archive it cannot unpack. Only microvm takes archives.
     */
    default void admit(Runtime runtime, Limits limits, byte[] codeArchive) {
        if (codeArchive != null) {
            throw new dev.vulcan.daemon.error.InvalidException("unsupported_option",
                    "code_archive runs in isolation 'microvm' only, not '" + isolation().wire() + "'");
        }
    }

    /**
     * Starts one execution and returns at once; the outcome completes when it ends. Throws
     * {@link BackendUnavailableException} when the backend cannot run anything now.
     */
    Execution start(ExecutionRequest request, LogSink logs);

    /** What this backend holds now (pool, memory), sampled when /metrics is scraped. */
    default BackendUsage usage() {
        return BackendUsage.unpooled(-1);
    }

    @Override
    void close();
}
