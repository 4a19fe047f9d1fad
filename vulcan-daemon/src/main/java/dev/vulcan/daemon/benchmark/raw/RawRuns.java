package dev.vulcan.daemon.benchmark.raw;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw OCI runtime started from Java the way the daemon starts it (stdin /dev/null, output read and
 * dropped): {@code <runtime> run --bundle B id}, timed to its exit. The foreground run deletes its
 * container when it ends; a {@code delete -f} after each run, untimed, makes sure nothing is left.
 */
public final class RawRuns {
    private RawRuns() {}

    public record Burst(List<Double> latenciesMs, double wallMs, int failures) {}

    /** One run of the bundle under a fresh id; its wall time in ms. */
    public static double once(List<String> runtime, Path bundle, String idPrefix) throws Exception {
        String id = idPrefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        long t0 = System.nanoTime();
        int rc = exec(argv(runtime, "run", "--bundle", bundle.toString(), id));
        double elapsed = (System.nanoTime() - t0) / 1e6;
        exec(argv(runtime, "delete", "--force", id));
        if (rc != 0) {
            throw new IllegalStateException(String.join(" ", runtime) + " run failed with exit " + rc);
        }
        return elapsed;
    }

    /** Runs the container once; null if it worked, otherwise the runtime's message. */
    public static String tryOnce(List<String> runtime, Path bundle, String idPrefix) throws Exception {
        String id = idPrefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Process p = new ProcessBuilder(argv(runtime, "run", "--bundle", bundle.toString(), id)).redirectErrorStream(true)
                .redirectInput(new File("/dev/null")).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        int rc = p.waitFor();
        exec(argv(runtime, "delete", "--force", id));
        return rc == 0 ? null : "exit " + rc + ": " + out;
    }

    /**
     * What wrapping a runtime costs on its own: the wrapper command with {@code true} in the runtime's place
     * ({@code exec crun "$@"} becomes {@code exec true}); an empty wrapper times a plain spawn of true.
     */
    public static double wrapperOnce(List<String> wrapper) throws Exception {
        List<String> argv = new ArrayList<>();
        for (String part : wrapper) {
            argv.add(part.equals("crun") ? "true" : part.replace("exec crun", "exec true"));
        }
        if (argv.isEmpty()) {
            argv.add("true");
        }
        long t0 = System.nanoTime();
        if (exec(argv) != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed");
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** One run per bundle, all started at once. */
    public static Burst burst(List<String> runtime, List<Path> bundles, String idPrefix) throws Exception {
        String base = idPrefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-";
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        long t0;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < bundles.size(); i++) {
                Path bundle = bundles.get(i);
                String id = base + i;
                pool.submit(() -> {
                    go.await();
                    long s = System.nanoTime();
                    int rc = exec(argv(runtime, "run", "--bundle", bundle.toString(), id));
                    latencies.add((System.nanoTime() - s) / 1e6);
                    if (rc != 0) {
                        failures.incrementAndGet();
                    }
                    return null;
                });
            }
            t0 = System.nanoTime();
            go.countDown();
        }
        double wall = (System.nanoTime() - t0) / 1e6;
        for (int i = 0; i < bundles.size(); i++) {
            exec(argv(runtime, "delete", "-f", base + i));
        }
        return new Burst(latencies, wall, failures.get());
    }

    private static List<String> argv(List<String> runtime, String... args) {
        List<String> argv = new ArrayList<>(runtime);
        argv.addAll(List.of(args));
        return argv;
    }

    private static int exec(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(new File("/dev/null")).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        return p.waitFor();
    }
}
