package dev.vulcan.daemon.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This node's name and the machine's capacity, read once at start-up. */
public record NodeIdentity(String id, String hostname, int cpus, long memTotalMb) {

    public static NodeIdentity detect(String configuredName) {
        String host = readHostname();
        String id = configuredName != null && !configuredName.isBlank() ? configuredName : host;
        return new NodeIdentity(id, host, java.lang.Runtime.getRuntime().availableProcessors(), readMemTotalMb());
    }

    private static String readHostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            return name.isEmpty() ? "localhost" : name;
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static long readMemTotalMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the JVM's view
        }
        return java.lang.Runtime.getRuntime().maxMemory() / (1024 * 1024);
    }
}
