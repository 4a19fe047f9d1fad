package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpamLeasesTest {

    @TempDir
    Path dir;

    @Test
    void sweepDeletesTheLeasesOfUnrecordedSandboxesOnly() throws IOException {
        // host-local keeps its files in <dataDir>/<network name>/
        Path leases = Files.createDirectories(dir.resolve("net1").resolve("net1"));
        Path keptOld = write(leases.resolve("10.78.0.2"), "kept");
        Path keptNew = write(leases.resolve("fd00:1000:0:1::1002"), "kept\r\neth0");
        Path goneOld = write(leases.resolve("10.78.0.3"), "gone");
        Path goneNew = write(leases.resolve("10.78.0.4"), "gone2\r\neth0");
        Path goneV6 = write(leases.resolve("fd00:1000:0:1::1003"), "gone\r\neth0");
        Path lastReserved = write(leases.resolve("last_reserved_ip.0"), "10.78.0.4");
        Path lastReserved6 = write(leases.resolve("last_reserved_ip.1"), "fd00:1000:0:1::1003");
        Path lock = write(leases.resolve("lock"), "");

        int removed = IpamLeases.sweep(dir.resolve("net1"), Set.of("kept", "other"));

        assertThat(removed).isEqualTo(3);
        assertThat(keptOld).exists();
        assertThat(keptNew).exists();
        assertThat(lastReserved).exists();
        assertThat(lastReserved6).exists();
        assertThat(lock).exists();
        assertThat(goneOld).doesNotExist();
        assertThat(goneNew).doesNotExist();
        assertThat(goneV6).doesNotExist();
    }

    @Test
    void aMissingDirectoryHasNothingToSweep() throws IOException {
        assertThat(IpamLeases.sweep(dir.resolve("never"), Set.of())).isZero();
    }

    @Test
    void onlyFilesNamedByAnAddressAreLeases() {
        assertThat(IpamLeases.isLease("10.0.0.2")).isTrue();
        assertThat(IpamLeases.isLease("fd00::1000")).isTrue();
        assertThat(IpamLeases.isLease("last_reserved_ip.0")).isFalse();
        assertThat(IpamLeases.isLease("lock")).isFalse();
        assertThat(IpamLeases.isLease("notes.txt")).isFalse();
    }

    private static Path write(Path file, String text) throws IOException {
        return Files.writeString(file, text);
    }
}
