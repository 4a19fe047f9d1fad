package dev.vulcan.daemon.net.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.net.IpPrefix;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class CniConfigListTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void rendersTheDualStackBridgeChain() {
        CniConfigList list = CniConfigList.bridgeNetwork(BridgeConfig.of("net1", "vulcan0",
                IpPrefix.parse("10.250.1.0/24"), IpPrefix.parse("fd00:9999:1::/64"), Path.of("/var/lib/vulcan/ipam/net1")));

        assertThat(list.toJson()).isEqualTo(json.readTree("""
                {"cniVersion":"1.0.0","name":"net1","plugins":[
                  {"type":"bridge","bridge":"vulcan0","isGateway":true,"ipMasq":false,"hairpinMode":true,
                   "ipam":{"type":"host-local",
                     "ranges":[[{"subnet":"10.250.1.0/24","rangeStart":"10.250.1.2","gateway":"10.250.1.1"}],
                               [{"subnet":"fd00:9999:1::/64","rangeStart":"fd00:9999:1::1000",
                                 "rangeEnd":"fd00:9999:1::ffff","gateway":"fd00:9999:1::1"}]],
                     "routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}],
                     "dataDir":"/var/lib/vulcan/ipam/net1"}},
                  {"type":"portmap","snat":true,"capabilities":{"portMappings":true}},
                  {"type":"firewall","backend":"iptables"}]}"""));
        assertThat(list.pluginTypes()).containsExactly("bridge", "portmap", "firewall");
    }

    @Test
    void ipv4OnlyHasNoIpv6RangeOrRoute() {
        CniConfigList list = CniConfigList.bridgeNetwork(BridgeConfig.of("v4", "vt0", IpPrefix.parse("10.250.2.0/24"),
                null, Path.of("/tmp/ipam")));
        ObjectNode ipam = (ObjectNode) list.plugins().getFirst().path("ipam");
        assertThat(ipam.path("ranges")).hasSize(1);
        assertThat(ipam.path("routes")).hasSize(1);
    }

    @Test
    void roundTripsAndCannotBeChangedFromOutside() {
        CniConfigList list = CniConfigList.bridgeNetwork(BridgeConfig.of("net1", "vt0", IpPrefix.parse("10.250.1.0/24"),
                null, Path.of("/tmp/ipam")));
        assertThat(CniConfigList.parse(list.toJson())).isEqualTo(list);

        list.plugins().getFirst().put("bridge", "changed");
        assertThat(list.plugins().getFirst().path("bridge").asString()).isEqualTo("vt0");
    }

    @Test
    void rejectsBadInput() {
        ObjectNode bridge = JsonNodeFactory.instance.objectNode().put("type", "bridge");
        assertThatThrownBy(() -> new CniConfigList("bad name", List.of(bridge))).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> new CniConfigList("n", List.of())).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> new CniConfigList("n", List.of(JsonNodeFactory.instance.objectNode().put("type", "../sh"))))
                .isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> BridgeConfig.of("n", "name-longer-than-15", IpPrefix.parse("10.0.0.0/24"), null, Path.of("/x")))
                .isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> BridgeConfig.of("n", "br", IpPrefix.parse("fd00::/64"), null, Path.of("/x")))
                .hasMessageContaining("needs an IPv4 subnet");
        assertThatThrownBy(() -> BridgeConfig.of("n", "br", IpPrefix.parse("10.0.0.0/24"), IpPrefix.parse("fd00::/56"), Path.of("/x")))
                .hasMessageContaining("must be an IPv6 /64");
        assertThatThrownBy(() -> new BridgeConfig("n", "br", IpPrefix.parse("10.0.0.0/24"), IpPrefix.literal("10.0.1.1"),
                null, null, Path.of("/x"))).hasMessageContaining("is not inside");
        assertThatThrownBy(() -> new PortMapping(0, 80, "tcp", null)).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> new PortMapping(80, 80, "sctp", null)).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> new Attachment("-x", Path.of("/run/netns/a"), "eth0")).isInstanceOf(InvalidException.class);
        assertThatThrownBy(() -> new Attachment("x", Path.of("/run/netns/a"), "eth0/1")).isInstanceOf(InvalidException.class);
    }
}
