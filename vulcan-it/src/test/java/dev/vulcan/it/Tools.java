package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks that the real tools a test needs are installed (scripts/setup installs them). */
final class Tools {
    private Tools() {}

    static void require(Path tool, String installedBy) {
        check(Files.isExecutable(tool), tool, installedBy);
    }

    static void requireFile(Path file, String madeBy) {
        check(Files.isRegularFile(file), file, madeBy);
    }

    private static void check(boolean present, Path tool, String installedBy) {
        if (Repo.inCi()) {
            assertThat(present).as(tool + " must be installed by " + installedBy).isTrue();
        } else {
            assumeTrue(present, tool + " is missing; run " + installedBy);
        }
    }
}
