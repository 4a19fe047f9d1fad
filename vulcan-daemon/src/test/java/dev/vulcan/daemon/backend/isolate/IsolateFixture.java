package dev.vulcan.daemon.backend.isolate;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.vulcan.daemon.backend.LogSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the repository's isolate-host/ and its pinned Deno; in CI a missing Deno fails the run. */
final class IsolateFixture {
    private IsolateFixture() {}

    static Path hostDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("isolate-host/package.json"))) {
                return dir.resolve("isolate-host");
            }
        }
        throw new IllegalStateException("isolate-host/package.json not found above " + Path.of("").toAbsolutePath());
    }

    static Path denoOrSkip() {
        Path deno = hostDir().resolve("node_modules/@deno/linux-x64-glibc/deno");
        if (!Files.isExecutable(deno)) {
            String why = "deno not installed at " + deno + " (run npm ci in isolate-host/)";
            if ("true".equals(System.getenv("CI"))) {
                fail(why);
            }
            abort(why);
        }
        return deno;
    }

    /** The backend's memory cgroups; outside CI, tests that need them are skipped where there are none. */
    static CgroupMemory.Usable memoryCgroupsOrSkip(CgroupMemory memory) {
        if (memory instanceof CgroupMemory.Usable usable) {
            return usable;
        }
        String why = "no usable memory cgroup: " + ((CgroupMemory.Unavailable) memory).reason();
        if ("true".equals(System.getenv("CI"))) {
            fail(why);
        }
        return abort(why);
    }

    /** The memory cgroup (v1 or v2 path) the process is in, from /proc/PID/cgroup. */
    static String memoryCgroupOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts[1].equals("memory") || (parts[0].equals("0") && parts[1].isEmpty())) {
                return parts[2];
            }
        }
        return "";
    }

    /** Every deno process below this JVM. */
    static List<ProcessHandle> denoDescendants() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.isAlive() && p.info().command().map(c -> c.endsWith("/deno")).orElse(false))
                .toList();
    }

    static final class CollectingSink implements LogSink {
        private final List<String> stdout = new ArrayList<>();
        private final List<String> stderr = new ArrayList<>();

        @Override
        public synchronized void line(Stream stream, String line) {
            (stream == Stream.STDOUT ? stdout : stderr).add(line);
        }

        synchronized List<String> stdout() {
            return List.copyOf(stdout);
        }

        synchronized List<String> stderr() {
            return List.copyOf(stderr);
        }
    }
}
