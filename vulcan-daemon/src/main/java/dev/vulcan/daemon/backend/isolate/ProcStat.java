package dev.vulcan.daemon.backend.isolate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The few fields of /proc/PID/stat the backend needs: a process's state and its start time (clock
 * ticks after boot, field 22), which together with the PID names one process even after the PID
 * is recycled.
 */
record ProcStat(long pid, char state, long startTicks) {

    /** The process as /proc shows it now, or empty if there is no such process. */
    static Optional<ProcStat> of(long pid) {
        try {
            return Optional.of(parse(pid, Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | IllegalArgumentException gone) {
            return Optional.empty();
        }
    }

    /** Parses one stat line; the command name (field 2) may hold spaces and parentheses. */
    static ProcStat parse(long pid, String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + stat);
        }
        // Fields 3 onwards follow the command name: state is field 3, starttime field 22.
        String[] fields = stat.substring(close + 1).strip().split("\\s+");
        if (fields.length < 20 || fields[0].length() != 1) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + stat);
        }
        return new ProcStat(pid, fields[0].charAt(0), Long.parseLong(fields[19]));
    }

    /** Whether the process still runs: a zombie (Z) or dead (X) one has ended, only not yet reaped. */
    boolean running() {
        return state != 'Z' && state != 'X';
    }
}
