package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxFilesTest {

    private static final Network DUAL = new Network("default", "vt0", IpPrefix.parse("10.77.0.0/16"),
            IpPrefix.parse("fd00:1000::/64"), true, Instant.EPOCH);

    @TempDir
    Path dir;

    @Test
    void writeNamesTheGatewaysAsNameServersAndTheSandboxInHosts() throws IOException {
        SandboxFiles files = new SandboxFiles(dir, "vulcan");

        files.write("s1", "web", DUAL, IpPrefix.literal("10.77.0.5"), IpPrefix.literal("fd00:1000::1005"));

        Path d = files.dir("s1");
        assertThat(d).isEqualTo(dir.resolve("s1"));
        assertThat(Files.readString(d.resolve(SandboxFiles.RESOLV_CONF))).isEqualTo("""
                # written by vulcan
                nameserver 10.77.0.1
                nameserver fd00:1000::1
                search vulcan
                options ndots:1
                """);
        assertThat(Files.readString(d.resolve(SandboxFiles.HOSTS))).isEqualTo("""
                127.0.0.1\tlocalhost
                ::1\tlocalhost ip6-localhost ip6-loopback
                10.77.0.5\tweb.vulcan web
                fd00:1000::1005\tweb.vulcan web
                """);
        assertThat(Files.readString(d.resolve(SandboxFiles.HOSTNAME))).isEqualTo("web\n");
    }

    @Test
    void aSandboxWithoutIpv6GetsOnlyTheIpv4NameServer() throws IOException {
        SandboxFiles files = new SandboxFiles(dir, "cluster.local");

        files.write("s1", "db", DUAL, IpPrefix.literal("10.77.0.6"), null);

        assertThat(Files.readString(files.dir("s1").resolve(SandboxFiles.RESOLV_CONF)))
                .contains("nameserver 10.77.0.1\n").doesNotContain("fd00").contains("search cluster.local\n");
        assertThat(Files.readString(files.dir("s1").resolve(SandboxFiles.HOSTS)))
                .contains("10.77.0.6\tdb.cluster.local db\n").doesNotContain("fd00");
    }

    @Test
    void removeDeletesTheDirectoryAndIsIdempotent() throws IOException {
        SandboxFiles files = new SandboxFiles(dir, "vulcan");
        files.write("s1", "web", DUAL, IpPrefix.literal("10.77.0.5"), null);
        files.write("s2", "db", DUAL, IpPrefix.literal("10.77.0.6"), null);

        assertThat(files.known()).containsExactlyInAnyOrder("s1", "s2");
        files.remove("s1");
        files.remove("s1");
        files.remove("never");

        assertThat(files.dir("s1")).doesNotExist();
        assertThat(files.known()).containsExactly("s2");
    }

    @Test
    void aMissingRootKnowsNoSandbox() throws IOException {
        assertThat(new SandboxFiles(dir.resolve("absent"), "vulcan").known()).isEmpty();
    }
}
