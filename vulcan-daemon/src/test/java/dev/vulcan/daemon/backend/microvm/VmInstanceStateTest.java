package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.InstanceDriver.RunState;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class VmInstanceStateTest {

    @Test
    void aRunningQemuIsRunningAndAStartingOneIsItsMonitor() {
        assertThat(VmInstanceState.of("", "", OptionalLong.of(42), OptionalLong.of(41))).isEqualTo(new RunState.Running(42));
        assertThat(VmInstanceState.of("", "", OptionalLong.empty(), OptionalLong.of(41))).isEqualTo(new RunState.Running(41));
    }

    @Test
    void nothingRunningAndNoExitRecordedIsAbsent() {
        assertThat(VmInstanceState.of("", "", OptionalLong.empty(), OptionalLong.empty())).isEqualTo(new RunState.Absent());
    }

    @Test
    void theMainProcesssExitWinsOverQemus() {
        // the agent wrote the main process's exit, then powered off: QEMU exits 0
        assertThat(VmInstanceState.of("0\n", "exit 3\n", OptionalLong.empty(), OptionalLong.empty()))
                .isEqualTo(new RunState.Exited(3, false));
        // SIGTERM from an ACPI stop
        assertThat(VmInstanceState.of("0", "exit 143\n", OptionalLong.empty(), OptionalLong.empty()))
                .isEqualTo(new RunState.Exited(143, false));
    }

    @Test
    void withoutTheAgentsWordQemusExitIsTheCode() {
        // killed: the monitor's shell reports 128+9
        assertThat(VmInstanceState.of("137\n", "", OptionalLong.empty(), OptionalLong.empty()))
                .isEqualTo(new RunState.Exited(137, false));
        assertThat(VmInstanceState.of("1", "garbage", OptionalLong.of(5), OptionalLong.empty()))
                .isEqualTo(new RunState.Exited(1, false));
        // the guest powered off (or panicked) without the agent's word: a failure, not a clean 0
        assertThat(VmInstanceState.of("0", "", OptionalLong.empty(), OptionalLong.empty()))
                .isEqualTo(new RunState.Exited(255, false));
    }

    @Test
    void theLastStatusLineCounts() {
        assertThat(VmInstanceState.mainExit("exit 1\nexit 2\n")).isEqualTo(OptionalInt.of(2));
        assertThat(VmInstanceState.mainExit("exit x\n")).isEmpty();
        assertThat(VmInstanceState.mainExit("")).isEmpty();
    }
}
