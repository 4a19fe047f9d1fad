package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.image.ImageReference;
import java.util.List;
import java.util.Optional;

/**
 * How a code runtime runs in a container: the base image scripts/base-images builds for it (and the
 * archive it leaves in the base-images dir), the file the code is written to in the io dir and the
 * entrypoint command (runtime-images/entry.*, baked into the image at /vulcan).
 */
public enum CodeImage {
    PYTHON(Runtime.PYTHON, "vulcan/python:3", "python.oci.tar", "main.py", List.of("/usr/bin/python3", "/vulcan/entry.py")),
    NODE(Runtime.JAVASCRIPT, "vulcan/node:18", "node.oci.tar", "main.mjs", List.of("/usr/bin/node", "/vulcan/entry.mjs")),
    SHELL(Runtime.SHELL, "vulcan/busybox:latest", "busybox.oci.tar", "main.sh", List.of("/bin/sh", "/vulcan/entry.sh"));

    /** Where the io dir is mounted in the container. */
    public static final String IO_MOUNT = "/vulcan/io";

    private final Runtime runtime;
    private final ImageReference image;
    private final String archive;
    private final String codeFile;
    private final List<String> argv;

    CodeImage(Runtime runtime, String image, String archive, String codeFile, List<String> argv) {
        this.runtime = runtime;
        this.image = ImageReference.parse(image);
        this.archive = archive;
        this.codeFile = codeFile;
        this.argv = argv;
    }

    /** The code image of a runtime; empty for runtimes no container image exists for (yet). */
    public static Optional<CodeImage> of(Runtime runtime) {
        for (CodeImage c : values()) {
            if (c.runtime == runtime) return Optional.of(c);
        }
        return Optional.empty();
    }

    public Runtime runtime() {
        return runtime;
    }

    public ImageReference image() {
        return image;
    }

    /** The archive's file name in the base-images dir. */
    public String archive() {
        return archive;
    }

    public String codeFile() {
        return codeFile;
    }

    public List<String> argv() {
        return argv;
    }

    /** A shell script's result is its stdout and exit code, as for images; the others write result.json. */
    public boolean writesResult() {
        return this != SHELL;
    }
}
