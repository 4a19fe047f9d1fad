package dev.vulcan.daemon.backend.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short host commands (mount, umount, runtime kill/delete/list). */
public interface ProcessRunner {

    record Result(int exitCode, String output) {}

    Result run(List<String> argv, Duration deadline) throws IOException;

    /** Runs and fails unless the command exits 0. */
    default String check(List<String> argv) throws IOException {
        Result r = run(argv, Duration.ofSeconds(30));
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", argv) + " failed (exit " + r.exitCode() + "): " + r.output().strip());
        }
        return r.output();
    }

    /** The real one: output is stdout and stderr merged; a command past its deadline is killed (exit -1). */
    final class Native implements ProcessRunner {
        @Override
        public Result run(List<String> argv, Duration deadline) throws IOException {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
            try {
                byte[][] holder = new byte[1][];
                Thread out = Thread.ofVirtual().start(() -> {
                    try {
                        holder[0] = p.getInputStream().readAllBytes();
                    } catch (IOException e) {
                        holder[0] = new byte[0];
                    }
                });
                if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                    out.join();
                    return new Result(-1, "timed out after " + deadline);
                }
                out.join();
                return new Result(p.exitValue(), new String(holder[0], StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted running " + argv.getFirst(), e);
            }
        }
    }
}
