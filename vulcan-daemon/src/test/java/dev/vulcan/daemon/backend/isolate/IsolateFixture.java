package dev.vulcan.daemon.backend.isolate;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.vulcan.daemon.backend.LogSink;
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
