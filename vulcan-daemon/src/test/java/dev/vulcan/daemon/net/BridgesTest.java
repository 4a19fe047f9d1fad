package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BridgesTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final FakeCommands host = new FakeCommands();
    private final Bridges bridges = new Bridges(host);

    @Test
    void ensureCreatesTheBridgeWithAPinnedMacAndBothGatewaysBeforeItGoesUp() throws IOException {
        Network n = new Network("b", "vt1", IpPrefix.parse("10.78.0.0/24"), IpPrefix.parse("fd00:1000:0:1::/64"), false, NOW);

        bridges.ensure(n);

        assertThat(host.links).containsExactly("vt1");
        assertThat(host.lines()).containsSubsequence(
                "ip link show dev vt1",
                "ip link add vt1 address " + Bridges.mac("vt1") + " type bridge",
                "sysctl -q -w net.ipv6.conf.vt1.accept_dad=0",
                "ip addr replace 10.78.0.1/24 dev vt1",
                "ip addr replace fd00:1000:0:1::1/64 dev vt1 nodad",
                "ip link set vt1 up");
    }

    @Test
    void ensureOfAnIpv4OnlyNetworkTouchesNoIpv6Setting() throws IOException {
        bridges.ensure(new Network("c", "vt2", IpPrefix.parse("10.78.1.0/24"), null, false, NOW));

        assertThat(host.lines()).noneMatch(l -> l.contains("ipv6") || l.contains("nodad"));
        assertThat(host.lines()).contains("ip addr replace 10.78.1.1/24 dev vt2", "ip link set vt2 up");
    }

    @Test
    void ensureOfAnExistingBridgeAddsNoLinkButStillSetsItsAddresses() throws IOException {
        host.links.add("vt1");

        bridges.ensure(new Network("b", "vt1", IpPrefix.parse("10.78.0.0/24"), null, false, NOW));

        assertThat(host.callsStarting("ip", "link", "add")).isEmpty();
        assertThat(host.lines()).contains("ip addr replace 10.78.0.1/24 dev vt1", "ip link set vt1 up");
    }

    @Test
    void aFailingStepIsAnError() {
        host.failing.add("ip addr replace");

        assertThatThrownBy(() -> bridges.ensure(new Network("b", "vt1", IpPrefix.parse("10.78.0.0/24"), null, false, NOW)))
                .isInstanceOf(IOException.class).hasMessageContaining("ip addr replace 10.78.0.1/24 dev vt1");
    }

    @Test
    void removeDeletesOnlyAnExistingBridge() throws IOException {
        bridges.remove("vt1");
        assertThat(host.callsStarting("ip", "link", "del")).isEmpty();

        host.links.add("vt1");
        bridges.remove("vt1");

        assertThat(host.lines()).contains("ip link del vt1");
        assertThat(host.links).isEmpty();
    }

    @Test
    void listFindsTheBridgesOfThePrefix() throws IOException {
        host.links.addAll(List.of("vt0", "vt12", "docker0", "vtx0", "vt", "vt-1", "vt3a", "vt7"));

        assertThat(bridges.list("vt")).containsExactlyInAnyOrder("vt0", "vt12", "vt7");
    }

    @Test
    void listReadsNamesWithAnAtSuffix() throws IOException {
        var ip = (dev.vulcan.daemon.backend.oci.ProcessRunner) (argv, deadline) -> new dev.vulcan.daemon.backend.oci.ProcessRunner.Result(0,
                "4: vt3@if5: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN\\    link/ether 02:56:aa:bb:cc:dd\n"
                        + "5: br0: <BROADCAST> mtu 1500\n\n");

        assertThat(new Bridges(ip).list("vt")).containsExactly("vt3");
    }

    @Test
    void belongsToMeansThePrefixAndOnlyDigits() {
        assertThat(Bridges.belongsTo("vt0", "vt")).isTrue();
        assertThat(Bridges.belongsTo("vt123", "vt")).isTrue();
        assertThat(Bridges.belongsTo("vt", "vt")).isFalse();
        assertThat(Bridges.belongsTo("vtx1", "vt")).isFalse();
        assertThat(Bridges.belongsTo("eth0", "vt")).isFalse();
        assertThat(Bridges.belongsTo("vt1-peer", "vt")).isFalse();
    }

    @Test
    void theMacIsLocallyAdministeredUnicastAndStablePerBridge() {
        String mac = Bridges.mac("vt1");

        assertThat(mac).matches("02:56(:[0-9a-f]{2}){4}");
        assertThat(Bridges.mac("vt1")).isEqualTo(mac);
        assertThat(Bridges.mac("vt2")).isNotEqualTo(mac);
    }
}
