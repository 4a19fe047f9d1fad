package dev.vulcan.daemon.net.cni;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one CNI plugin binary: environment and stdin in, exit code, stdout and stderr out. */
public interface PluginExec {

    /** {@code timedOut}: the plugin was killed at the deadline (its exit code is then meaningless). */
    record Output(int exitCode, byte[] stdout, String stderr, boolean timedOut) {}

    Output run(Path binary, Map<String, String> env, byte[] stdin, Duration deadline) throws IOException;

    /**
     * The real one. Plugins inherit the daemon's environment (they run iptables and friends from PATH)
     * minus any stray CNI_* variable, plus the ones given.
     */
    final class Native implements PluginExec {
        @Override
        public Output run(Path binary, Map<String, String> env, byte[] stdin, Duration deadline) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(binary.toString());
            builder.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
            builder.environment().putAll(env);
            Process p = builder.start();
            try {
                byte[][] out = new byte[2][];
                Thread stdout = drain(p.getInputStream(), out, 0);
                Thread stderr = drain(p.getErrorStream(), out, 1);
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // The plugin exited without reading its config; its exit code and output tell why.
                }
                boolean done = p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
                if (!done) {
                    p.destroyForcibly();
                    p.waitFor();
                }
                // Bounded: a grandchild the plugin left behind could hold the pipes open forever.
                stdout.join(Duration.ofSeconds(2));
                stderr.join(Duration.ofSeconds(2));
                byte[] result = out[0] == null ? new byte[0] : out[0];
                String errors = out[1] == null ? "" : new String(out[1], StandardCharsets.UTF_8);
                return new Output(done ? p.exitValue() : -1, result, errors, !done);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted running CNI plugin " + binary, e);
            }
        }

        private static Thread drain(InputStream stream, byte[][] into, int slot) {
            return Thread.ofVirtual().start(() -> {
                try (stream) {
                    into[slot] = stream.readAllBytes();
                } catch (IOException e) {
                    into[slot] = new byte[0];
                }
            });
        }
    }
}
