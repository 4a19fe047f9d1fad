package dev.vulcan.daemon.backend.microvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's RAM, from /proc/meminfo. */
final class HostMemory {

    private HostMemory() {}

    /** MemTotal in MiB, or -1 when it cannot be read. */
    static long totalMb() {
        try {
            return parseTotalMb(Files.readString(Path.of("/proc/meminfo")));
        } catch (IOException e) {
            return -1;
        }
    }

    static long parseTotalMb(String meminfo) {
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
