package dev.vulcan.daemon.net.subtree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.IpPrefix;
import org.junit.jupiter.api.Test;

/** The nibble-per-level plan of NETWORK-NOTES, verified there with real namespaces. */
class NodeSubtreeTest {

    private final NodeSubtree root = NodeSubtree.parse("fd00:1000::/20");

    @Test
    void theRootKeepsNibbleZeroAndItsFirstSixtyFourIsTheBridge() {
        assertThat(root.ownSpace()).isEqualTo(IpPrefix.parse("fd00:1000::/24"));
        assertThat(root.bridgeSubnet()).isEqualTo(IpPrefix.parse("fd00:1000::/64"));
        assertThat(root.networkSubnet(0)).isEqualTo(root.bridgeSubnet());
        assertThat(root.networkSubnet(1)).isEqualTo(IpPrefix.parse("fd00:1000:0:1::/64"));
        assertThat(IpPrefix.text(root.bridgeAddress())).isEqualTo("fd00:1000::1");
    }

    @Test
    void childrenTakeTheNextNibbleAndUplinksSitInTheParentsBridge() {
        assertThat(root.childPrefix(2)).isEqualTo(IpPrefix.parse("fd00:1200::/24"));
        assertThat(root.childPrefix(15)).isEqualTo(IpPrefix.parse("fd00:1f00::/24"));
        assertThat(IpPrefix.text(root.uplink(2))).isEqualTo("fd00:1000::1:2");
        assertThat(IpPrefix.text(root.uplink(15))).isEqualTo("fd00:1000::1:f");

        NodeSubtree child = new NodeSubtree(root.childPrefix(2));
        assertThat(child.bridgeSubnet()).isEqualTo(IpPrefix.parse("fd00:1200::/64"));
        assertThat(child.childPrefix(1)).isEqualTo(IpPrefix.parse("fd00:1210::/28"));
        assertThat(IpPrefix.text(child.uplink(1))).isEqualTo("fd00:1200::1:1");
    }

    @Test
    void sixtyIsTheDeepestSubtreeThatSplits() {
        NodeSubtree deepest = NodeSubtree.parse("fd00:1234:5678:9ab0::/60");

        assertThat(deepest.ownSpace()).isEqualTo(IpPrefix.parse("fd00:1234:5678:9ab0::/64"));
        assertThat(deepest.bridgeSubnet()).isEqualTo(deepest.ownSpace());
        assertThat(deepest.networks()).isEqualTo(1);
        assertThat(deepest.childPrefix(15)).isEqualTo(IpPrefix.parse("fd00:1234:5678:9abf::/64"));
    }

    @Test
    void aSubtreeWhoseChildrenWouldPassSixtyFourIsTooSmall() {
        for (String cidr : new String[] {"fd00::/64", "fd00::/61", "fd00::/128"}) {
            assertThatThrownBy(() -> NodeSubtree.parse(cidr)).as(cidr)
                    .isInstanceOfSatisfying(UnavailableException.class,
                            e -> assertThat(e.code()).isEqualTo("subtree_too_small"))
                    .hasMessageContaining(cidr).hasMessageContaining("/60");
        }
    }

    @Test
    void onlyIpv6PrefixesAreSubtrees() {
        assertThatThrownBy(() -> NodeSubtree.parse("10.0.0.0/8"))
                .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.code()).isEqualTo("invalid_subtree"))
                .hasMessageContaining("IPv6");
        assertThatThrownBy(() -> NodeSubtree.parse("fd00:1000::1/20"))
                .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.code()).isEqualTo("invalid_prefix"));
        assertThatThrownBy(() -> new NodeSubtree(null)).isInstanceOf(InvalidException.class);
    }

    @Test
    void nibblesAndNetworksOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> root.childPrefix(0)).isInstanceOf(InvalidException.class).hasMessageContaining("1-15");
        assertThatThrownBy(() -> root.childPrefix(16)).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> root.uplink(0)).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> root.networkSubnet(-1)).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> NodeSubtree.parse("fd00::/56").networkSubnet(16))
                .isInstanceOf(InvalidException.class).hasMessageContaining("0-15");
    }
}
