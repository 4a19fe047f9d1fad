package dev.vulcan.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations in the checkout, found from the working directory. */
final class Repo {
    private Repo() {}

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.exists(dir.resolve("isolate-host/package.json")) && Files.exists(dir.resolve("bin/vulcan"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root above " + Path.of("").toAbsolutePath());
    }

    static Path deno() {
        return root().resolve("isolate-host/node_modules/@deno/linux-x64-glibc/deno");
    }

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** True in CI, where a missing tool must fail the run instead of skipping. */
    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }
}
