package dev.vulcan.daemon;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The node's state directory: database, logs, images, runtime sockets and the API token. */
final class StateDir {

    private final Path root;

    StateDir(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    }

    Path database() {
        return root.resolve("vulcan.db");
    }

    Path logs() {
        return root.resolve("logs");
    }

    /** The image store: an OCI image layout plus unpacked layers. */
    Path images() {
        return root.resolve("images");
    }

    /** Scratch of the benchmark suite's raw engines (bundles, their overlay), removed after each run. */
    Path benchmark() {
        return root.resolve("benchmark");
    }

    /** The container backend's records, bundles and probe scratch. */
    /** gVisor's bundles, records, instances and runsc's own --root. */
    Path gvisor() {
        return root.resolve("gvisor");
    }

    Path oci() {
        return root.resolve("oci");
    }

    /** Networks: CNI results, IPAM leases, per-sandbox resolv.conf and hosts, firewall rule files. */
    Path net() {
        return root.resolve("net");
    }

    /** Named volumes of instances. */
    Path volumes() {
        return root.resolve("volumes");
    }

    /** The bearer token for TCP callers: created once (mode 0600), then reused. */
    String apiToken() throws IOException {
        Path file = root.resolve("api-token");
        if (!Files.exists(file)) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, HexFormat.of().formatHex(secret) + "\n");
            } catch (FileAlreadyExistsException raced) {
                // another start wrote it first; use theirs
            }
        }
        return Files.readString(file).strip();
    }
}
