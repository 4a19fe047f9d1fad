package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.net.subtree.NodeSubtree;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkConfigTest {

    private static final NodeSubtree SUBTREE = NodeSubtree.parse("fd00:1000::/20");

    private static NetworkConfig config(String prefix, String defaultSubnet, String pool) {
        return new NetworkConfig(prefix, defaultSubnet == null ? null : IpPrefix.parse(defaultSubnet),
                pool == null ? null : IpPrefix.parse(pool), SUBTREE, "vulcan", List.of(), Path.of("/usr/lib/cni"));
    }

    @Test
    void prefixesAreOneToTenLowerCaseLettersOrDigitsStartingAndEndingWithALetter() {
        for (String good : List.of("v", "vulcan", "vt123n", "abcdefghij")) {
            assertThatCode(() -> config(good, "10.77.0.0/16", "10.78.0.0/16")).as(good).doesNotThrowAnyException();
        }
        for (String bad : List.of("", "Vulcan", "1vt", "abcdefghijk", "vt-1", "vt_1", "v t", "vulcan1", "vt123")) {
            assertThatThrownBy(() -> config(bad, "10.77.0.0/16", "10.78.0.0/16")).as(bad)
                    .isInstanceOf(InvalidException.class)
                    .extracting(e -> ((InvalidException) e).code()).isEqualTo("invalid_network_prefix");
        }
        assertThatThrownBy(() -> config(null, "10.77.0.0/16", "10.78.0.0/16")).isInstanceOf(InvalidException.class);
    }

    @Test
    void theLongestPrefixStillNamesABridgeWithinFifteenCharacters() {
        assertThat(config("abcdefghij", "10.77.0.0/16", "10.78.0.0/16").bridge(99999)).hasSizeLessThanOrEqualTo(15);
    }

    @Test
    void theDefaultSubnetIsIpv4OfSlash30OrLarger() {
        assertThatCode(() -> config("vt", "10.77.0.0/30", "10.78.0.0/16")).doesNotThrowAnyException();
        assertThatCode(() -> config("vt", "10.0.0.0/8", "192.168.0.0/16")).doesNotThrowAnyException();
        for (String bad : List.of("10.77.0.0/31", "10.77.0.1/32", "fd00::/64")) {
            assertThatThrownBy(() -> config("vt", bad, "10.78.0.0/16")).as(bad).isInstanceOf(InvalidException.class)
                    .extracting(e -> ((InvalidException) e).code()).isEqualTo("invalid_subnet");
        }
        assertThatThrownBy(() -> config("vt", null, "10.78.0.0/16")).isInstanceOf(InvalidException.class);
    }

    @Test
    void thePoolIsIpv4OfSlash24OrLarger() {
        assertThatCode(() -> config("vt", "10.77.0.0/16", "10.78.0.0/24")).doesNotThrowAnyException();
        for (String bad : List.of("10.78.0.0/25", "fd00:2::/48")) {
            assertThatThrownBy(() -> config("vt", "10.77.0.0/16", bad)).as(bad).isInstanceOf(InvalidException.class)
                    .extracting(e -> ((InvalidException) e).code()).isEqualTo("invalid_subnet");
        }
        assertThatThrownBy(() -> config("vt", "10.77.0.0/16", null)).isInstanceOf(InvalidException.class);
    }

    @Test
    void aDefaultSubnetOverlappingThePoolIsRefused() {
        for (String[] pair : List.of(new String[] {"10.78.5.0/24", "10.78.0.0/16"}, new String[] {"10.0.0.0/8", "10.78.0.0/16"},
                new String[] {"10.78.0.0/16", "10.78.0.0/16"})) {
            assertThatThrownBy(() -> config("vt", pair[0], pair[1])).as(pair[0] + " in " + pair[1])
                    .isInstanceOf(InvalidException.class).hasMessageContaining("overlaps")
                    .extracting(e -> ((InvalidException) e).code()).isEqualTo("invalid_subnet");
        }
        assertThatCode(() -> config("vt", "10.77.255.0/24", "10.78.0.0/16")).doesNotThrowAnyException();
    }

    @Test
    void namesDerivedFromThePrefix() {
        NetworkConfig c = config("vt", "10.77.0.0/16", "10.78.0.0/16");

        assertThat(c.bridge(0)).isEqualTo("vt0");
        assertThat(c.bridge(12)).isEqualTo("vt12");
        assertThat(c.netnsName("abc")).isEqualTo("vt-abc");
        assertThat(c.netnsPrefix()).isEqualTo("vt-");
        assertThat(c.netnsName("abc")).startsWith(c.netnsPrefix());
    }

    @Test
    void theUpstreamListIsCopied() {
        List<InetSocketAddress> upstreams = new ArrayList<>(List.of(new InetSocketAddress("127.0.0.1", 53)));
        NetworkConfig c = new NetworkConfig("vt", IpPrefix.parse("10.77.0.0/16"), IpPrefix.parse("10.78.0.0/16"), SUBTREE,
                "vulcan", upstreams, Path.of("/usr/lib/cni"));
        upstreams.clear();

        assertThat(c.dnsUpstreams()).hasSize(1);
    }
}
