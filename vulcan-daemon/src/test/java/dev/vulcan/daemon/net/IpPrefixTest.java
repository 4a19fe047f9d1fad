package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import org.junit.jupiter.api.Test;

class IpPrefixTest {

    @Test
    void parsesAndRendersBothFamiliesCanonically() {
        assertThat(IpPrefix.parse("10.77.0.0/16").toString()).isEqualTo("10.77.0.0/16");
        assertThat(IpPrefix.parse("fd00:1000:0:0::/20").toString()).isEqualTo("fd00:1000::/20");
        assertThat(IpPrefix.parse("fd00:1000:0:5::/64").toString()).isEqualTo("fd00:1000:0:5::/64");
        assertThat(IpPrefix.parse("::/0").toString()).isEqualTo("::/0");
        assertThat(IpPrefix.text(IpPrefix.literal("fd00:0:0:1:0:0:0:1"))).isEqualTo("fd00:0:0:1::1");
    }

    @Test
    void refusesHostBitsGarbageAndHostNames() {
        assertThatThrownBy(() -> IpPrefix.parse("10.77.0.1/16")).isInstanceOf(InvalidException.class)
                .hasMessageContaining("host bits");
        assertThatThrownBy(() -> IpPrefix.parse("10.77.0.0/33")).hasMessageContaining("outside 0-32");
        assertThatThrownBy(() -> IpPrefix.parse("10.77.0.0")).hasMessageContaining("not a CIDR");
        assertThatThrownBy(() -> IpPrefix.parse("localhost/8")).hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/x")).hasMessageContaining("numeric");
    }

    @Test
    void containmentAndOverlapRespectFamilies() {
        IpPrefix wide = IpPrefix.parse("10.77.0.0/16");
        IpPrefix narrow = IpPrefix.parse("10.77.3.0/24");
        IpPrefix other = IpPrefix.parse("10.78.0.0/24");
        assertThat(wide.contains(narrow)).isTrue();
        assertThat(narrow.contains(wide)).isFalse();
        assertThat(wide.overlaps(narrow)).isTrue();
        assertThat(narrow.overlaps(wide)).isTrue();
        assertThat(wide.overlaps(other)).isFalse();
        assertThat(wide.contains(IpPrefix.literal("10.77.200.1"))).isTrue();
        assertThat(wide.contains(IpPrefix.literal("10.78.0.1"))).isFalse();
        assertThat(IpPrefix.parse("::/0").overlaps(wide)).isFalse();
    }

    @Test
    void subnetsAndAddresses() {
        IpPrefix subtree = IpPrefix.parse("fd00:1000::/20");
        assertThat(subtree.subnet(24, 2).toString()).isEqualTo("fd00:1200::/24");
        assertThat(subtree.subnet(64, 0).toString()).isEqualTo("fd00:1000::/64");
        assertThat(IpPrefix.text(subtree.subnet(64, 0).address(1))).isEqualTo("fd00:1000::1");
        assertThat(IpPrefix.parse("10.78.0.0/16").subnet(24, 5).toString()).isEqualTo("10.78.5.0/24");
        assertThat(IpPrefix.text(IpPrefix.parse("10.77.0.0/16").address(1))).isEqualTo("10.77.0.1");
        assertThatThrownBy(() -> subtree.subnet(24, 16)).hasMessageContaining("no subnet");
        assertThatThrownBy(() -> subtree.subnet(16, 0)).hasMessageContaining("cannot split");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/30").address(4)).hasMessageContaining("no address");
    }
}
