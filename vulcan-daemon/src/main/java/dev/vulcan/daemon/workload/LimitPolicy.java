package dev.vulcan.daemon.workload;

import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.TooLargeException;
import java.time.Duration;

/** Defaults and bounds for workload limits and sizes on this node. */
public record LimitPolicy(int defaultCpus, int defaultMemMb, int defaultTimeoutS,
        int maxCpus, int maxMemMb, int maxTimeoutS, int maxCodeBytes, int maxInputBytes) {

    /** One task: the container's own process, which then cannot fork. */
    static final int MIN_PIDS = 1;
    /** The kernel's own ceiling (PID_MAX_LIMIT on 64-bit): more is no limit at all. */
    static final int MAX_PIDS = 4_194_304;

    /** Seed defaults (1 cpu, 128 MB, 30 s); maxima from the machine. */
    public static LimitPolicy forMachine(int cpus, long memTotalMb) {
        return new LimitPolicy(1, 128, 30, cpus, (int) Math.min(Integer.MAX_VALUE, memTotalMb), 3600,
                1 << 20, 4 << 20);
    }

    Limits apply(WorkloadSpec spec) {
        int cpus = bounded("cpus", spec.cpus(), defaultCpus, 1, maxCpus);
        int memMb = bounded("mem_mb", spec.memMb(), defaultMemMb, 16, maxMemMb);
        int timeoutS = bounded("timeout_s", spec.timeoutS(), defaultTimeoutS, 1, maxTimeoutS);
        int pids = bounded("pids", spec.pids(), Limits.DEFAULT_PIDS, MIN_PIDS, MAX_PIDS);
        long codeBytes = spec.code() == null ? 0 : utf8Length(spec.code());
        if (codeBytes > maxCodeBytes) {
            throw new TooLargeException("code_too_large",
                    "code is " + codeBytes + " bytes; the limit is " + maxCodeBytes);
        }
        long inputBytes = utf8Length(spec.inputJson());
        if (inputBytes > maxInputBytes) {
            throw new TooLargeException("input_too_large",
                    "input is " + inputBytes + " bytes; the limit is " + maxInputBytes);
        }
        return new Limits(cpus, memMb, Duration.ofSeconds(timeoutS), pids);
    }

    private static long utf8Length(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static int bounded(String name, Integer asked, int fallback, int min, int max) {
        int value = asked == null ? fallback : asked;
        if (value < min || value > max) {
            throw new InvalidException("invalid_limits",
                    name + " must be between " + min + " and " + max + " on this node, got " + value);
        }
        return value;
    }
}
