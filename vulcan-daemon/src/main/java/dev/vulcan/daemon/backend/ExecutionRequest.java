package dev.vulcan.daemon.backend;

import java.util.List;

/**
 * What a backend needs to run one workload: code in a runtime, or an image's command.
 *
 * @param inputJson the input as JSON text ("null" when there is none)
 * @param image     the image and command to run (runtime OCI), null for code
 * @param sandbox   security options beyond the backend's defaults
 * @param codeArchive a gzipped tar of the code (its entrypoint the runtime's main file), instead of code; null for none
 */
public record ExecutionRequest(String workloadId, Runtime runtime, String code, String inputJson, Limits limits,
        ImageCommand image, Sandbox sandbox, byte[] codeArchive) {

    public ExecutionRequest {
        sandbox = sandbox == null ? Sandbox.DEFAULT : sandbox;
    }

    /** An execution without a code archive. */
    public ExecutionRequest(String workloadId, Runtime runtime, String code, String inputJson, Limits limits,
            ImageCommand image, Sandbox sandbox) {
        this(workloadId, runtime, code, inputJson, limits, image, sandbox, null);
    }

    /** An execution with the default sandbox options. */
    public ExecutionRequest(String workloadId, Runtime runtime, String code, String inputJson, Limits limits,
            ImageCommand image) {
        this(workloadId, runtime, code, inputJson, limits, image, Sandbox.DEFAULT, null);
    }

    /** A code execution. */
    public ExecutionRequest(String workloadId, Runtime runtime, String code, String inputJson, Limits limits) {
        this(workloadId, runtime, code, inputJson, limits, null);
    }

    /**
     * Options of a container sandbox; only backends that can honour them accept them (see
     * {@link Backend#supports(Sandbox)}).
     *
     * @param readOnlyRootfs the root file system is mounted read-only (/dev/shm and mounts stay writable)
     * @param userns         container root is an unprivileged uid/gid range on the host
     * @param network        the network namespace to run in (null: a fresh one with only loopback)
     */
    public record Sandbox(boolean readOnlyRootfs, boolean userns, NetworkJoin network) {
        public static final Sandbox DEFAULT = new Sandbox(false, false, null);

        public Sandbox(boolean readOnlyRootfs, boolean userns) {
            this(readOnlyRootfs, userns, null);
        }

        public Sandbox withNetwork(NetworkJoin join) {
            return new Sandbox(readOnlyRootfs, userns, join);
        }
    }

    /**
     * An image and the command to run in it.
     *
     * @param argv      a shell form's one command string, or the exec form's args (empty: the image's own)
     * @param shellForm whether argv is one string for the image's /bin/sh -c
     */
    public record ImageCommand(String ref, List<String> argv, boolean shellForm) {
        public ImageCommand {
            if (ref == null || ref.isBlank()) throw new IllegalArgumentException("image is required");
            argv = argv == null ? List.of() : List.copyOf(argv);
            if (shellForm && argv.size() != 1) throw new IllegalArgumentException("a shell form command is one string");
        }

        /** Docker's shell form: the command string as the image's {@code /bin/sh -c} runs it. */
        public static List<String> shell(String command) {
            return List.of("/bin/sh", "-c", command);
        }

        /** The command as asked: the shell form spelled out, or the exec-form args (empty: the image's own). */
        public List<String> asRequested() {
            return shellForm ? shell(argv.getFirst()) : argv;
        }
    }
}
