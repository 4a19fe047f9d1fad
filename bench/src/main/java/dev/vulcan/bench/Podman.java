package dev.vulcan.bench;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's podman for comparison, with the flags it needs on this host (runc; podman's default ulimits
 * exceed the host's) and no network: loads the OCI archive, runs {@code podman run --rm IMAGE true}, and
 * removes the image it loaded.
 */
final class Podman {
    private Podman() {}

    /** samples is null when podman could not run; note says why (or anything worth knowing). */
    record Result(Samples samples, String note) {}

    static final List<String> RUN = List.of("podman", "run", "--rm", "--runtime", "runc", "--ulimit",
            "nofile=20000:20000", "--ulimit", "nproc=32768:32768", "--network", "none");

    static Result run(Path archive, String image, int runs) throws Exception {
        if (exec(List.of("podman", "--version")) != 0) {
            return new Result(null, "podman not installed (scripts/setup installs it): skipped");
        }
        String ref = "localhost/" + image;
        if (exec(List.of("podman", "image", "exists", ref)) == 0) {
            return new Result(null, "podman already has " + ref + " (not the bench's): skipped");
        }
        if (exec(List.of("podman", "load", "-q", "-i", archive.toString())) != 0) {
            return new Result(null, "podman load failed: skipped");
        }
        try {
            List<String> argv = new ArrayList<>(RUN);
            argv.add(ref);
            argv.add("true");
            for (int i = 0; i < 2; i++) {
                exec(argv); // warm-up: podman's first run sets up its storage and runtime state
            }
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                int rc = exec(argv);
                if (rc != 0) {
                    return new Result(null, "podman run failed with exit " + rc);
                }
                ms.add((System.nanoTime() - t0) / 1e6);
            }
            return new Result(new Samples(ms), null);
        } finally {
            exec(List.of("podman", "rmi", "-f", ref));
        }
    }

    private static int exec(List<String> argv) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        } catch (java.io.IOException e) {
            return 127; // not installed
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 && !argv.contains("exists")) {
            System.err.println("bench: " + String.join(" ", argv) + ": exit " + rc + ": " + out.strip());
        }
        return rc;
    }
}
