package dev.vulcan.daemon.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory in use by a process (its RSS) or a cgroup, read from /proc and /sys; 0 when gone. */
public final class ProcessMemory {

    private static final long PAGE = 4096;

    private ProcessMemory() {}

    /** Resident set size of a process: /proc/PID/statm's second field, in pages. */
    public static long rssBytes(long pid) {
        try {
            String[] fields = Files.readString(Path.of("/proc", Long.toString(pid), "statm")).strip().split("\\s+");
            return Long.parseLong(fields[1]) * PAGE;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /**
     * Memory charged to a cgroup: cgroup v1's memory.usage_in_bytes under /sys/fs/cgroup/memory, else cgroup
     * v2's memory.current; {@code group} is the path below the hierarchy's root ("/vulcan/oci/ID").
     */
    public static long cgroupBytes(String group) {
        String relative = group.startsWith("/") ? group.substring(1) : group;
        for (Path file : new Path[] {Path.of("/sys/fs/cgroup/memory", relative, "memory.usage_in_bytes"),
                Path.of("/sys/fs/cgroup", relative, "memory.current")}) {
            try {
                return Long.parseLong(Files.readString(file).strip());
            } catch (IOException | NumberFormatException e) {
                // try the other layout
            }
        }
        return 0;
    }
}
