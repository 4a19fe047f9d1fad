package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate in front of a runtime's run, with a shell script in the runtime's place: nothing runs before the
 * release, the runtime's stdin is /dev/null, and an abandoned gate exits 125 without running it.
 */
class GatedRunTest {

    private static final Path BUSYBOX = Path.of("/bin/busybox");

    @TempDir
    Path dir;

    /** A "runtime" that records that it ran, its arguments and what its stdin is. */
    private OciRuntime fakeRuntime() {
        return new OciRuntime(OciRuntime.Kind.CRUN, List.of(BUSYBOX.toString(), "sh", "-c",
                "touch " + dir.resolve("ran") + "; echo \"$@\"; readlink /proc/self/fd/0", "fake"), "test", "test");
    }

    @Test
    void theRuntimeRunsOnlyAfterTheReleaseWithStdinFromDevNull() throws Exception {
        GatedRun gated = GatedRun.start(fakeRuntime(), BUSYBOX, Path.of("/b"), "id-1").orElseThrow();
        // held at the gate: the runtime does not run while nothing is written
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> !Files.exists(dir.resolve("ran")));
        Process p = gated.release();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("run --bundle /b id-1\n/dev/null\n");
        assertThat(dir.resolve("ran")).exists();
    }

    @Test
    void anAbandonedGateNeverRunsTheRuntime() throws Exception {
        GatedRun gated = GatedRun.start(fakeRuntime(), BUSYBOX, Path.of("/b"), "id-2").orElseThrow();
        gated.abandon();
        Process p = gated.release();
        assertThat(p.isAlive()).isFalse();
        assertThat(p.exitValue()).isEqualTo(125);
        assertThat(p.getInputStream().readAllBytes()).isEmpty();
        assertThat(dir.resolve("ran")).doesNotExist();
    }

    @Test
    void withoutBusyboxThereIsNoGate() {
        assertThat(GatedRun.start(fakeRuntime(), dir.resolve("no-busybox"), Path.of("/b"), "x")).isEmpty();
    }
}
