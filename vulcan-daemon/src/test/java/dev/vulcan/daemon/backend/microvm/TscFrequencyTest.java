package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TscFrequencyTest {

    @Test
    void readsTheFirstCpuMhzLineAsKhz() {
        String cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.126\ncache size\t: 512 KB\n"
                + "processor\t: 1\ncpu MHz\t\t: 1800.000\n";
        assertThat(TscFrequency.fromCpuinfo(cpuinfo).khz()).isEqualTo(2_596_126);
    }

    @Test
    void failsWithoutAFrequency() {
        assertThatThrownBy(() -> TscFrequency.fromCpuinfo("processor\t: 0\n")).hasMessageContaining("cpu MHz");
        assertThatThrownBy(() -> new TscFrequency(0)).hasMessageContaining("implausible");
    }

    @Test
    void tcgGuestsGetItOnTheirKernelCommandLineAndKvmGuestsDoNot() {
        TscFrequency tsc = new TscFrequency(2_596_126);
        assertThat(Accelerator.kernelArgs(new Accelerator.Tcg("test"), tsc)).containsExactly("tsc_early_khz=2596126");
        assertThat(Accelerator.kernelArgs(new Accelerator.Kvm("test"), tsc)).isEmpty();
    }
}
