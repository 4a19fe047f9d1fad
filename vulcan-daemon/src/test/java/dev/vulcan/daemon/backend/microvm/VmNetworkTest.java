package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.net.IpPrefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmNetworkTest {

    @TempDir
    Path dir;

    private final List<List<String>> ran = new ArrayList<>();
    private final ProcessRunner recorder = (argv, deadline) -> {
        ran.add(argv);
        return new ProcessRunner.Result(0, "");
    };

    private NetworkJoin join(List<NetworkJoin.Address> addresses, List<String> gateways) throws IOException {
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.77.0.1\nsearch vulcan\n");
        Files.writeString(dir.resolve("hostname"), "web\n");
        return new NetworkJoin(Path.of("/run/netns/vulcan-web"), "web", List.of(
                new InstanceDriver.Mount(dir.resolve("resolv.conf"), "/etc/resolv.conf", true),
                new InstanceDriver.Mount(dir.resolve("hostname"), "/etc/hostname", true)),
                new NetworkJoin.Nic("eth0", "0a:58:0a:4d:00:05", addresses, gateways.stream().map(IpPrefix::literal).toList()));
    }

    private NetworkJoin dualStack() throws IOException {
        return join(List.of(new NetworkJoin.Address(IpPrefix.literal("10.77.0.5"), 16),
                new NetworkJoin.Address(IpPrefix.literal("fd00:1000::1005"), 64)), List.of("10.77.0.1", "fd00:1000::1"));
    }

    @Test
    void prepareMakesTheTapAndBothRedirectsInTheNamespaceInOneProcessTree() throws IOException {
        VmNic nic = new VmNetwork(recorder).prepare(dualStack());

        assertThat(nic).isEqualTo(new VmNic(Path.of("/run/netns/vulcan-web"), "tap0", "0a:58:0a:4d:00:05"));
        assertThat(ran).hasSize(1);
        List<String> argv = ran.getFirst();
        assertThat(argv.subList(0, 4)).containsExactly("/usr/bin/nsenter", "--net=/run/netns/vulcan-web", "/bin/sh", "-c");
        assertThat(argv.get(4))
                .startsWith("ip link show dev tap0 > /dev/null 2>&1 && exit 0; ip tuntap add dev tap0 mode tap && ip link set dev tap0 up")
                .contains("tc qdisc add dev eth0 ingress && tc filter add dev eth0 parent ffff: protocol all u32 match u32 0 0"
                        + " action mirred egress redirect dev tap0")
                .endsWith("tc qdisc add dev tap0 ingress && tc filter add dev tap0 parent ffff: protocol all u32 match u32 0 0"
                        + " action mirred egress redirect dev eth0");
    }

    @Test
    void aFailingSetupIsAnError() throws IOException {
        VmNetwork failing = new VmNetwork((argv, deadline) -> new ProcessRunner.Result(2, "Error: TC classifier not found."));
        assertThatThrownBy(() -> failing.prepare(dualStack())).isInstanceOf(IOException.class)
                .hasMessageContaining("TC classifier not found");
    }

    @Test
    void theGuestCommandConfiguresBothFamiliesWithoutDadAndWritesTheFilesIntoTheRootfs() throws IOException {
        CommandRequest c = VmNetwork.guestCommand(dualStack(), "/rootfs");

        assertThat(c.inRootfs()).as("runs in the initramfs, where ip is").isFalse();
        assertThat(c.argv().subList(0, 2)).containsExactly("/bin/sh", "-c");
        assertThat(c.argv().get(2).lines().toList()).containsExactly(
                "set -e",
                "echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad",
                "ip link set dev lo up",
                "ip link set dev eth0 up",
                "ip addr add 10.77.0.5/16 dev eth0",
                "ip addr add fd00:1000::1005/64 dev eth0",
                "ip route add 0.0.0.0/0 via 10.77.0.1 dev eth0",
                "ip -6 route add ::/0 via fd00:1000::1 dev eth0",
                "printf %s \"$2\" > /proc/sys/kernel/hostname",
                "r=$1; shift 2; while [ $# -gt 1 ]; do f=$r$1; [ -d \"${f%/*}\" ] || mkdir -p \"${f%/*}\";"
                        + " if [ -L \"$f\" ]; then rm -f \"$f\"; fi; printf %s \"$2\" > \"$f\"; shift 2; done");
        assertThat(c.argv().subList(3, c.argv().size())).containsExactly("sh", "/rootfs", "web",
                "/etc/resolv.conf", "nameserver 10.77.0.1\nsearch vulcan\n", "/etc/hostname", "web\n");
    }

    @Test
    void anIpv4OnlyGuestInTheInitramfsSkipsTheIpv6Steps() throws IOException {
        NetworkJoin v4 = join(List.of(new NetworkJoin.Address(IpPrefix.literal("10.77.0.5"), 16)), List.of("10.77.0.1"));
        CommandRequest c = VmNetwork.guestCommand(v4, "");
        assertThat(c.argv().get(2)).doesNotContain("accept_dad").doesNotContain("-6");
        assertThat(c.argv().get(4)).isEmpty();
    }

    @Test
    void badRootsAndJoinsWithoutAnInterfaceAreRefused() throws IOException {
        assertThatThrownBy(() -> VmNetwork.guestCommand(dualStack(), "rootfs")).hasMessageContaining("bad guest root");
        assertThatThrownBy(() -> VmNetwork.guestCommand(dualStack(), "/rootfs/")).hasMessageContaining("bad guest root");
        NetworkJoin bare = new NetworkJoin(Path.of("/run/netns/x"), "x", List.of());
        assertThatThrownBy(() -> VmNetwork.guestCommand(bare, "")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> new VmNetwork(recorder).prepare(bare)).isInstanceOf(IOException.class).hasMessageContaining("MAC");
        assertThat(ran).isEmpty();
    }
}
