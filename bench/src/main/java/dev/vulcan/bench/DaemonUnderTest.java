package dev.vulcan.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A daemon started through bin/vulcan in a scratch state dir, stopped with SIGTERM. */
final class DaemonUnderTest implements AutoCloseable {

    private final Path state;
    private final Process process;

    private DaemonUnderTest(Path state, Process process) {
        this.state = state;
        this.process = process;
    }

    static DaemonUnderTest start(Path home) throws Exception {
        return start(home, List.of());
    }

    /** A daemon with more options of `vulcan daemon`. */
    static DaemonUnderTest start(Path home, List<String> options) throws Exception {
        Path state = Files.createTempDirectory("vulcan-bench");
        List<String> argv = new ArrayList<>(List.of(home.resolve("bin/vulcan").toString(), "daemon", "--state-dir",
                state.toString(), "--socket", state.resolve("vulcan.sock").toString()));
        argv.addAll(options);
        Process process = new ProcessBuilder(argv)
                .redirectErrorStream(true).redirectOutput(state.resolve("daemon.log").toFile()).start();
        DaemonUnderTest daemon = new DaemonUnderTest(state, process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!daemon.answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(state.resolve("daemon.log"));
                daemon.close();
                throw new IllegalStateException("daemon did not start: " + log);
            }
            Thread.sleep(50);
        }
        return daemon;
    }

    /** The socket file appears before the server accepts on it: ready is when a connection succeeds. */
    private boolean answers() {
        if (!Files.exists(socket())) return false;
        try (var c = new dev.vulcan.cli.http.UnixHttpClient(socket()).keepAlive()) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    Path state() {
        return state;
    }

    Path socket() {
        return state.resolve("vulcan.sock");
    }

    int isolateHostCount() {
        return (int) denoHosts().count();
    }

    long isolateHostsRssBytes() {
        return denoHosts().mapToLong(DaemonUnderTest::rssBytes).sum();
    }

    private java.util.stream.Stream<ProcessHandle> denoHosts() {
        return process.toHandle().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("deno")).orElse(false));
    }

    private static long rssBytes(ProcessHandle p) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended meanwhile
        }
        return 0;
    }

    /** Wall time of `bin/vulcan ls` against this daemon. */
    Samples cliWallTimes(Path home, int runs) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs + 2; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(home.resolve("bin/vulcan").toString(), "--socket", socket().toString(), "ls")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("vulcan ls failed");
            }
            if (i >= 2) {
                ms.add((System.nanoTime() - t0) / 1e6);
            }
        }
        return new Samples(ms);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        process.waitFor(20, TimeUnit.SECONDS);
        deleteTree(state);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** The daemon's log (what it wrote to stdout and stderr). */
    Path log() {
        return state.resolve("daemon.log");
    }
}
