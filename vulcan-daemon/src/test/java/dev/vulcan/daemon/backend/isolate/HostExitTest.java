package dev.vulcan.daemon.backend.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HostExitTest {

    private static final Duration ELAPSED = Duration.ofMillis(300);

    @Test
    void heapLimitIsAMemoryLimitFailure() {
        HostExit exit = new HostExit(133, true, "# Fatal JavaScript out of memory: Reached heap limit", null);

        assertThat(exit.failure(64, ELAPSED)).isEqualTo(new Outcome.Failed("memory_limit",
                "memory limit exceeded: the isolate needed more than 64 MB", "", ELAPSED));
    }

    @Test
    void signalDeathNamesTheSignalAndShowsTheTail() {
        HostExit exit = new HostExit(137, false, "last words", null);

        Outcome.Failed failed = exit.failure(128, ELAPSED);

        assertThat(failed.reason()).isEqualTo("host_crashed");
        assertThat(failed.message()).isEqualTo("isolate host died: exit code 137 (SIGKILL); last output:\nlast words");
    }

    @Test
    void plainExitCodeHasNoSignal() {
        assertThat(new HostExit(70, false, "", null).failure(128, ELAPSED).message())
                .isEqualTo("isolate host died: exit code 70");
    }

    @Test
    void startProblemIsTheDescription() {
        HostExit exit = HostExit.notStarted("isolate host failed to start: no such file");

        assertThat(exit.describe()).isEqualTo("isolate host failed to start: no such file");
        assertThat(exit.failure(128, ELAPSED).reason()).isEqualTo("host_crashed");
    }
}
