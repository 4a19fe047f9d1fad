package dev.vulcan.daemon.backend.microvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's TSC frequency in kHz. A TCG guest on the microvm machine has no PIT to calibrate its
 * TSC against and hangs after "Unable to calibrate against PIT" unless the kernel is told the
 * frequency ({@code tsc_early_khz=}); QEMU's TCG TSC ticks at the host's rate.
 */
public record TscFrequency(long khz) {

    private static final Pattern CPU_MHZ = Pattern.compile("(?m)^cpu MHz\\s*:\\s*([0-9]+(?:\\.[0-9]+)?)\\s*$");

    public TscFrequency {
        if (khz < 1_000 || khz > 100_000_000) {
            throw new IllegalArgumentException("implausible TSC frequency " + khz + " kHz");
        }
    }

    /** From the first "cpu MHz" line of /proc/cpuinfo, e.g. 2596.126 -> 2596126 kHz. */
    public static TscFrequency fromCpuinfo(String cpuinfo) {
        Matcher m = CPU_MHZ.matcher(cpuinfo);
        if (!m.find()) {
            throw new IllegalArgumentException("no \"cpu MHz\" line in /proc/cpuinfo");
        }
        return new TscFrequency(Math.round(Double.parseDouble(m.group(1)) * 1000));
    }

    public static TscFrequency host() throws IOException {
        return fromCpuinfo(Files.readString(Path.of("/proc/cpuinfo")));
    }
}
