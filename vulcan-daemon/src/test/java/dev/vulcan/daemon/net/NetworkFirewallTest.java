package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkFirewallTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Network A = network("default", "vt0", "10.77.0.0/16", "fd00:1000::/64");
    private static final Network B = network("b", "vt1", "10.78.0.0/24", "fd00:1000:0:1::/64");
    private static final Network C = network("c", "vt2", "10.78.1.0/24", null);

    @TempDir
    Path dir;

    private final FakeCommands host = new FakeCommands();

    private NetworkFirewall firewall() {
        return new NetworkFirewall(host, "vt", dir.resolve("firewall"));
    }

    private static Network network(String name, String bridge, String subnet, String v6) {
        return new Network(name, bridge, IpPrefix.parse(subnet), v6 == null ? null : IpPrefix.parse(v6), name.equals("default"), NOW);
    }

    @Test
    void noNetworksRenderEmptyChains() {
        assertThat(firewall().render(List.of(), false)).isEqualTo("""
                *filter
                :VT-FORWARD - [0:0]
                COMMIT
                *nat
                :VT-MASQ - [0:0]
                COMMIT
                """);
        assertThat(firewall().render(List.of(), true)).isEqualTo("""
                *filter
                :VT-FORWARD - [0:0]
                COMMIT
                """);
    }

    @Test
    void oneNetworkIsAdmittedAndMasqueradedOnIpv4() {
        assertThat(firewall().render(List.of(A), false)).isEqualTo("""
                *filter
                :VT-FORWARD - [0:0]
                -A VT-FORWARD -i vt0 -j ACCEPT
                -A VT-FORWARD -o vt0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT
                COMMIT
                *nat
                :VT-MASQ - [0:0]
                -A VT-MASQ -s 10.77.0.0/16 ! -o vt0 -j MASQUERADE
                COMMIT
                """);
        assertThat(firewall().render(List.of(A), true)).doesNotContain("DROP").doesNotContain("MASQUERADE")
                .contains("-A VT-FORWARD -i vt0 -j ACCEPT");
    }

    @Test
    void threeNetworksDropEveryPairBothWaysAndIpv6OnlyBetweenIpv6Networks() {
        String v4 = firewall().render(List.of(A, B, C), false);
        String v6 = firewall().render(List.of(A, B, C), true);

        assertThat(v4.lines().filter(l -> l.startsWith("-A VT-FORWARD"))).as("every drop before any accept").containsExactly(
                "-A VT-FORWARD -i vt0 -o vt1 -j DROP",
                "-A VT-FORWARD -i vt0 -o vt2 -j DROP",
                "-A VT-FORWARD -i vt1 -o vt0 -j DROP",
                "-A VT-FORWARD -i vt1 -o vt2 -j DROP",
                "-A VT-FORWARD -i vt2 -o vt0 -j DROP",
                "-A VT-FORWARD -i vt2 -o vt1 -j DROP",
                "-A VT-FORWARD -i vt0 -j ACCEPT",
                "-A VT-FORWARD -o vt0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT",
                "-A VT-FORWARD -i vt1 -j ACCEPT",
                "-A VT-FORWARD -o vt1 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT",
                "-A VT-FORWARD -i vt2 -j ACCEPT",
                "-A VT-FORWARD -o vt2 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT");
        assertThat(v4.lines().filter(l -> l.startsWith("-A VT-MASQ"))).containsExactly(
                "-A VT-MASQ -s 10.77.0.0/16 ! -o vt0 -j MASQUERADE",
                "-A VT-MASQ -s 10.78.0.0/24 ! -o vt1 -j MASQUERADE",
                "-A VT-MASQ -s 10.78.1.0/24 ! -o vt2 -j MASQUERADE");
        assertThat(v6).isEqualTo("""
                *filter
                :VT-FORWARD - [0:0]
                -A VT-FORWARD -i vt0 -o vt1 -j DROP
                -A VT-FORWARD -i vt1 -o vt0 -j DROP
                -A VT-FORWARD -i vt0 -j ACCEPT
                -A VT-FORWARD -o vt0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT
                -A VT-FORWARD -i vt1 -j ACCEPT
                -A VT-FORWARD -o vt1 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT
                COMMIT
                """);
    }

    @Test
    void applyRestoresBothFamiliesWithoutFlushingAndInsertsMissingJumps() throws IOException {
        firewall().apply(List.of(A, B, C));

        assertThat(host.restored).containsOnlyKeys("iptables-restore", "ip6tables-restore");
        assertThat(host.restored.get("iptables-restore")).isEqualTo(firewall().render(List.of(A, B, C), false));
        assertThat(host.restored.get("ip6tables-restore")).isEqualTo(firewall().render(List.of(A, B, C), true));
        assertThat(host.callsStarting("iptables-restore")).singleElement().satisfies(argv -> {
            assertThat(argv.get(1)).isEqualTo("--noflush");
            assertThat(argv).hasSize(3);
        });
        assertThat(host.callsStarting("ip6tables-restore")).singleElement()
                .satisfies(argv -> assertThat(argv.get(1)).isEqualTo("--noflush"));
        assertThat(host.lines()).contains(
                "iptables -w -t filter -I FORWARD 1 -j VT-FORWARD",
                "iptables -w -t nat -I POSTROUTING 1 -j VT-MASQ",
                "ip6tables -w -t filter -I FORWARD 1 -j VT-FORWARD");
        assertThat(host.lines()).noneMatch(l -> l.startsWith("ip6tables") && l.contains("nat"));
        // each jump is checked before it is inserted
        List<String> lines = host.lines();
        assertThat(lines.indexOf("iptables -w -t filter -C FORWARD -j VT-FORWARD"))
                .isLessThan(lines.indexOf("iptables -w -t filter -I FORWARD 1 -j VT-FORWARD"));
    }

    @Test
    void applyAgainReplacesTheRulesButInsertsNoSecondJump() throws IOException {
        firewall().apply(List.of(A, B));
        host.calls.clear();

        firewall().apply(List.of(A));

        assertThat(host.lines()).noneMatch(l -> l.contains(" -I "));
        assertThat(host.lines()).contains("iptables -w -t filter -C FORWARD -j VT-FORWARD",
                "iptables -w -t nat -C POSTROUTING -j VT-MASQ", "ip6tables -w -t filter -C FORWARD -j VT-FORWARD");
        assertThat(host.restored.get("iptables-restore")).doesNotContain("vt1");
    }

    @Test
    void onlyTheMissingJumpIsInserted() throws IOException {
        host.jumps.add("iptables filter FORWARD VT-FORWARD");
        host.jumps.add("ip6tables filter FORWARD VT-FORWARD");

        firewall().apply(List.of(A));

        assertThat(host.lines().stream().filter(l -> l.contains(" -I "))).containsExactly(
                "iptables -w -t nat -I POSTROUTING 1 -j VT-MASQ");
    }

    @Test
    void aFailingRestoreIsAnErrorAndJumpsNothing() {
        host.failing.add("iptables-restore");

        assertThatThrownBy(() -> firewall().apply(List.of(A))).isInstanceOf(IOException.class)
                .hasMessageContaining("iptables-restore");
        assertThat(host.lines()).noneMatch(l -> l.contains(" -I "));
    }

    @Test
    void chainsAreNamedByTheUpperCasePrefix() {
        String rules = new NetworkFirewall(host, "node7", dir).render(List.of(A), false);

        assertThat(rules).contains(":NODE7-FORWARD - [0:0]").contains(":NODE7-MASQ - [0:0]");
    }
}
