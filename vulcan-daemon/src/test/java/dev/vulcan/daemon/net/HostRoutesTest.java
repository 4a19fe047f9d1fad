package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class HostRoutesTest {

    /** {@code ip -4 -j route show table main} of a VM with a Vulcan bridge and a few odd routes. */
    private static final String IPV4 = """
            [{"dst":"default","gateway":"10.0.2.2","dev":"eth0","protocol":"dhcp","prefsrc":"10.0.2.15","metric":100,"flags":[]},
             {"dst":"10.0.2.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.0.2.15","metric":100,"flags":[]},
             {"dst":"10.0.2.3","dev":"eth0","protocol":"dhcp","scope":"link","prefsrc":"10.0.2.15","metric":100,"flags":[]},
             {"dst":"10.77.0.0/16","dev":"vulcan0","protocol":"kernel","scope":"link","prefsrc":"10.77.0.1","flags":["linkdown"]},
             {"type":"unreachable","dst":"192.0.2.0/24","flags":[]},
             {"type":"blackhole","dst":"198.51.100.0/24","flags":[]}]""";

    /** {@code ip -6 -j route show table main}. */
    private static final String IPV6 = """
            [{"dst":"fd00:1000::/64","dev":"vulcan0","protocol":"kernel","metric":256,"pref":"medium","flags":[]},
             {"dst":"2001:db8::5","dev":"eth0","protocol":"static","metric":1024,"pref":"medium","flags":[]},
             {"dst":"fe80::/64","dev":"eth0","protocol":"kernel","metric":256,"pref":"medium","flags":[]},
             {"type":"unreachable","dst":"fd00:dead::/48","dev":"lo","metric":1024,"flags":[]},
             {"dst":"default","gateway":"fe80::1","dev":"eth0","protocol":"ra","metric":1024,"flags":[]}]""";

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void parseKeepsSubnetsAndHostRoutesAndSkipsDefaultAndUnreachable() {
        List<HostRoutes.Route> v4 = HostRoutes.Ip.parse(json.readTree(IPV4), false);

        assertThat(v4).containsExactly(
                new HostRoutes.Route(IpPrefix.parse("10.0.2.0/24"), "eth0"),
                new HostRoutes.Route(IpPrefix.parse("10.0.2.3/32"), "eth0"),
                new HostRoutes.Route(IpPrefix.parse("10.77.0.0/16"), "vulcan0"),
                new HostRoutes.Route(IpPrefix.parse("198.51.100.0/24"), ""));
    }

    @Test
    void parseMakesIpv6HostRoutesSlash128() {
        List<HostRoutes.Route> v6 = HostRoutes.Ip.parse(json.readTree(IPV6), true);

        assertThat(v6).containsExactly(
                new HostRoutes.Route(IpPrefix.parse("fd00:1000::/64"), "vulcan0"),
                new HostRoutes.Route(IpPrefix.parse("2001:db8::5/128"), "eth0"),
                new HostRoutes.Route(IpPrefix.parse("fe80::/64"), "eth0"));
    }

    @Test
    void parseSkipsWhatItCannotModel() {
        String odd = """
                [{"dev":"eth0"},{"dst":"","dev":"eth0"},{"dst":"not-an-address","dev":"eth0"},
                 {"dst":"10.1.0.0/16","dev":"eth1"}]""";

        assertThat(HostRoutes.Ip.parse(json.readTree(odd), false))
                .containsExactly(new HostRoutes.Route(IpPrefix.parse("10.1.0.0/16"), "eth1"));
        assertThat(HostRoutes.Ip.parse(json.readTree("[]"), true)).isEmpty();
    }

    @Test
    void routesAsksBothFamiliesOfTheMainTable() throws IOException {
        List<List<String>> asked = new ArrayList<>();
        ProcessRunner ip = (argv, deadline) -> {
            asked.add(argv);
            return new ProcessRunner.Result(0, argv.get(1).equals("-4") ? IPV4 : "");
        };

        List<HostRoutes.Route> routes = new HostRoutes.Ip(ip).routes();

        assertThat(asked).containsExactly(List.of("ip", "-4", "-j", "route", "show", "table", "main"),
                List.of("ip", "-6", "-j", "route", "show", "table", "main"));
        assertThat(routes).hasSize(4);
    }

    @Test
    void aFailingIpIsAnError() {
        ProcessRunner broken = (argv, deadline) -> new ProcessRunner.Result(1, "RTNETLINK answers: nope");

        assertThatThrownBy(() -> new HostRoutes.Ip(broken).routes()).isInstanceOf(IOException.class)
                .hasMessageContaining("nope");
    }
}
