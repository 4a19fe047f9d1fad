package dev.vulcan.daemon.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The host-local IPAM plugin's lease files: one file per address, named by the address, holding the container
 * id (and, since CNI 0.4, the interface name on a second line). A lease whose sandbox has no attachment is a
 * leftover of a crash between ADD and its record and would keep the address taken forever.
 */
final class IpamLeases {

    private IpamLeases() {}

    /** Deletes the leases under {@code dataDir} held by sandboxes not in {@code recorded}; returns how many. */
    static int sweep(Path dataDir, Set<String> recorded) throws IOException {
        if (!Files.isDirectory(dataDir)) return 0;
        List<Path> leases;
        try (Stream<Path> walk = Files.walk(dataDir)) {
            leases = walk.filter(Files::isRegularFile).filter(p -> isLease(p.getFileName().toString())).toList();
        }
        int removed = 0;
        for (Path lease : leases) {
            String owner = Files.readString(lease, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
            if (!recorded.contains(owner)) {
                Files.deleteIfExists(lease);
                removed++;
            }
        }
        return removed;
    }

    /** Lease files are named by their address; the plugin's bookkeeping files are not. */
    static boolean isLease(String fileName) {
        return !fileName.startsWith("last_reserved_ip") && !fileName.equals("lock") && fileName.matches("[0-9a-fA-F:.]+");
    }
}
