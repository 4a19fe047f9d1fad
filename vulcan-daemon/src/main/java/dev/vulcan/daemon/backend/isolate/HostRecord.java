package dev.vulcan.daemon.backend.isolate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A host process as written to the run dir while it lives ("PID STARTTIME\n"), so that a daemon
 * started after this one was killed with -9 can end the hosts it left. The start time guards
 * against killing an unrelated process that got the PID later.
 */
record HostRecord(long pid, long startTicks) {

    /** The record of a running process; fails if it is gone already. */
    static HostRecord of(long pid) throws IOException {
        ProcStat stat = ProcStat.of(pid).filter(ProcStat::running)
                .orElseThrow(() -> new IOException("process " + pid + " has already ended"));
        return new HostRecord(pid, stat.startTicks());
    }

    static Optional<HostRecord> read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Optional<HostRecord> parse(String text) {
        String[] words = text.strip().split("\\s+");
        if (words.length != 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(new HostRecord(Long.parseLong(words[0]), Long.parseLong(words[1])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    void write(Path file) throws IOException {
        Files.writeString(file, pid + " " + startTicks + "\n", StandardCharsets.US_ASCII);
    }

    /** Whether the recorded process (same PID, same start time) still runs. */
    boolean running() {
        return ProcStat.of(pid).filter(s -> s.startTicks() == startTicks && s.running()).isPresent();
    }
}
