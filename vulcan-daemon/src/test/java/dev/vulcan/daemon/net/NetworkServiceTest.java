package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.VulcanException;
import dev.vulcan.daemon.net.dns.DnsServer;
import dev.vulcan.daemon.net.subtree.NodeSubtree;
import dev.vulcan.daemon.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network service over a real database and DNS server, with the host faked: bridges and firewall rules are
 * recorded by {@link FakeCommands}, host routes are a list. Subnets are in 198.18.0.0/15 (benchmarking), which
 * no host here has, so the DNS server's listening on the gateways fails and is only logged.
 */
class NetworkServiceTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    static final NetworkConfig CONFIG = new NetworkConfig("vt", IpPrefix.parse("198.18.0.0/24"),
            IpPrefix.parse("198.18.16.0/20"), NodeSubtree.parse("fd00:9a00::/24"), "vulcan", List.of(), Path.of("/nonexistent"));

    @TempDir
    Path dir;

    private Database database;
    private NetworkRepository repository;
    private final FakeCommands host = new FakeCommands();
    private final List<HostRoutes.Route> routes = new ArrayList<>();
    private final Map<String, List<String>> configured = new HashMap<>();
    private final List<NetworkService> services = new ArrayList<>();

    @BeforeEach
    void open() {
        database = Database.open(dir.resolve("vulcan.db"));
        repository = new NetworkRepository(database);
    }

    @AfterEach
    void close() {
        services.forEach(NetworkService::close);
        database.close();
    }

    private NetworkService service(Clock clock) {
        return service(clock, CONFIG);
    }

    private NetworkService service(Clock clock, NetworkConfig config) {
        DnsServer dns = new DnsServer(repository::addresses, config.dnsDomain(), List.of(), Duration.ofSeconds(1));
        NetworkService service = new NetworkService(repository, config, new NetworkService.Host(new Bridges(host),
                new NetworkFirewall(host, config.prefix(), dir.resolve("firewall")), () -> List.copyOf(routes)), dns,
                dir.resolve("ipam"), clock, name -> configured.getOrDefault(name, List.of()));
        services.add(service);
        return service;
    }

    private NetworkService started() throws IOException {
        NetworkService service = service(CLOCK);
        service.start();
        return service;
    }

    private static IpPrefix p(String cidr) {
        return IpPrefix.parse(cidr);
    }

    private String ipv4Rules() {
        return host.restored.get("iptables-restore");
    }

    private static void assertCode(ThrowingCallable call, Class<? extends VulcanException> type, String code) {
        assertThatThrownBy(call).isInstanceOf(type).extracting(e -> ((VulcanException) e).code()).isEqualTo(code);
    }

    @Test
    void startCreatesTheDefaultNetworkWithItsBridgeFirewallAndSubtreeSlash64() throws IOException {
        NetworkService service = started();

        Network n = service.get("default");
        assertThat(service.list()).containsExactly(n);
        assertThat(n.isDefault()).isTrue();
        assertThat(n.bridge()).isEqualTo("vt0");
        assertThat(n.subnet()).isEqualTo(p("198.18.0.0/24"));
        assertThat(n.ipv6Subnet()).isEqualTo(p("fd00:9a00::/64"));
        assertThat(host.links).containsExactly("vt0");
        assertThat(host.lines()).contains("ip addr replace 198.18.0.1/24 dev vt0", "ip link set vt0 up");
        assertThat(ipv4Rules()).contains("-A VT-MASQ -s 198.18.0.0/24 ! -o vt0 -j MASQUERADE");
        assertThat(host.restored).containsKey("ip6tables-restore");
    }

    @Test
    void aRestartKeepsTheDefaultNetworkAndBringsItsBridgeBack() throws IOException {
        Network first = started().get("default");
        host.links.clear(); // a reboot
        host.restored.clear();

        NetworkService again = service(Clock.offset(CLOCK, Duration.ofDays(1)));
        again.start();

        assertThat(again.list()).containsExactly(first);
        assertThat(host.links).containsExactly("vt0");
        assertThat(ipv4Rules()).contains("-s 198.18.0.0/24");
    }

    @Test
    void startRemovesBridgesOfThePrefixThatNoNetworkOwnsAndNothingElse() throws IOException {
        NetworkService service = started();
        service.create("apps", null, null);
        repository.delete("apps"); // as if removed while the daemon was down, bridge left behind
        host.links.addAll(List.of("vt7", "docker0", "vtx1", "vt5x"));
        host.calls.clear();

        service(CLOCK).start();

        assertThat(host.links).containsExactlyInAnyOrder("vt0", "docker0", "vtx1", "vt5x");
        assertThat(host.lines()).contains("ip link del vt1", "ip link del vt7");
        assertThat(ipv4Rules()).doesNotContain("vt1");
    }

    @Test
    void createTakesPoolSlash24sInOrderSkippingNetworksAndForeignHostRoutes() throws IOException {
        // a route on one of this node's bridges is a network's own (checked as a network), not a foreign one
        routes.add(new HostRoutes.Route(p("198.18.16.0/24"), "vt9"));
        routes.add(new HostRoutes.Route(p("198.18.17.0/24"), "eth0"));
        routes.add(new HostRoutes.Route(p("198.18.18.7/32"), "eth1"));
        NetworkService service = started();

        Network a = service.create("a", null, null);
        Network b = service.create("b", null, null);
        Network c = service.create("c", "198.18.20.0/24", null);
        Network d = service.create("d", null, null);

        assertThat(a.subnet()).isEqualTo(p("198.18.16.0/24"));
        assertThat(b.subnet()).isEqualTo(p("198.18.19.0/24"));
        assertThat(c.subnet()).isEqualTo(p("198.18.20.0/24"));
        assertThat(d.subnet()).isEqualTo(p("198.18.21.0/24"));
        assertThat(List.of(a, b, c, d)).extracting(Network::bridge).containsExactly("vt1", "vt2", "vt3", "vt4");
    }

    @Test
    void createNumbersBridgesAndTakesTheMatchingSubtreeSlash64() throws IOException {
        NetworkService service = started();

        Network a = service.create("a", null, null);
        Network b = service.create("b", null, null);

        assertThat(a.bridge()).isEqualTo("vt1");
        assertThat(a.ipv6Subnet()).isEqualTo(p("fd00:9a00:0:1::/64"));
        assertThat(b.bridge()).isEqualTo("vt2");
        assertThat(b.ipv6Subnet()).isEqualTo(p("fd00:9a00:0:2::/64"));
        assertThat(a.isDefault()).isFalse();
        assertThat(a.createdAt()).isEqualTo(CLOCK.instant());
        assertThat(service.list()).extracting(Network::name).containsExactly("default", "a", "b");
        assertThat(host.links).containsExactlyInAnyOrder("vt0", "vt1", "vt2");
        assertThat(host.lines()).contains("ip addr replace 198.18.17.1/24 dev vt2",
                "ip addr replace fd00:9a00:0:2::1/64 dev vt2 nodad");
        assertThat(ipv4Rules()).contains("-A VT-FORWARD -i vt2 -o vt0 -j DROP", "-A VT-FORWARD -i vt0 -o vt2 -j DROP",
                "-A VT-FORWARD -i vt1 -o vt2 -j DROP", "-A VT-MASQ -s 198.18.17.0/24 ! -o vt2 -j MASQUERADE");
        assertThat(host.restored.get("ip6tables-restore")).contains("-A VT-FORWARD -i vt2 -o vt1 -j DROP");
    }

    @Test
    void aFreedBridgeNumberIsReused() throws IOException {
        NetworkService service = started();
        service.create("a", null, null);
        Network b = service.create("b", null, null);
        service.create("c", null, null);
        service.remove("b");

        Network d = service.create("d", null, null);

        assertThat(d.bridge()).isEqualTo("vt2");
        assertThat(d.ipv6Subnet()).isEqualTo(b.ipv6Subnet());
        assertThat(d.subnet()).as("b's /24 is free again").isEqualTo(b.subnet());
    }

    @Test
    void anAutomaticIpv6SubnetNeverRepeatsAnExplicitOne() throws IOException {
        NetworkService service = started();
        Network a = service.create("a", null, "fd00:9a00:0:2::/64");

        Network b = service.create("b", null, null);

        assertThat(a.bridge()).isEqualTo("vt1");
        assertThat(b.bridge()).isEqualTo("vt2");
        assertThat(b.ipv6Subnet()).isNotNull().isNotEqualTo(a.ipv6Subnet());
        assertThat(b.ipv6Subnet().overlaps(a.ipv6Subnet())).isFalse();
    }

    @Test
    void aSubtreeWithRoomForOneSlash64LeavesOtherNetworksIpv4Only() throws IOException {
        NetworkService service = service(CLOCK, new NetworkConfig("vt", CONFIG.defaultSubnet(), CONFIG.pool(),
                NodeSubtree.parse("fd00:9a00::/60"), "vulcan", List.of(), CONFIG.cniPluginDir()));
        service.start();

        Network apps = service.create("apps", null, null);

        assertThat(service.get("default").ipv6Subnet()).isEqualTo(p("fd00:9a00::/64"));
        assertThat(apps.ipv6Subnet()).isNull();
        assertThat(host.lines()).noneMatch(l -> l.contains("vt1") && (l.contains("nodad") || l.contains("ipv6")));
        assertThat(host.restored.get("ip6tables-restore")).doesNotContain("vt1").contains("-i vt0 -j ACCEPT");
        assertThat(ipv4Rules()).contains("-A VT-FORWARD -i vt1 -o vt0 -j DROP");
    }

    @Test
    void thePoolRunsOut() throws IOException {
        NetworkService service = started();
        for (int i = 0; i < 16; i++) {
            assertThat(service.create("n" + i, null, null).subnet()).isEqualTo(p("198.18." + (16 + i) + ".0/24"));
        }

        assertCode(() -> service.create("e", null, null), ConflictException.class, "network_pool_exhausted");
        assertThat(service.create("e", "198.18.40.0/24", null).subnet()).isEqualTo(p("198.18.40.0/24"));
    }

    @Test
    void overlappingSubnetsAreRefused() throws IOException {
        routes.add(new HostRoutes.Route(p("10.0.2.0/24"), "eth0"));
        routes.add(new HostRoutes.Route(p("2001:db8::/64"), "eth0"));
        NetworkService service = started();
        service.create("a", "198.18.30.0/24", null);

        assertCode(() -> service.create("x", "198.18.0.128/25", null), ConflictException.class, "subnet_overlaps");
        assertCode(() -> service.create("x", "198.18.0.0/16", null), ConflictException.class, "subnet_overlaps");
        assertCode(() -> service.create("x", "198.18.30.0/24", null), ConflictException.class, "subnet_overlaps");
        assertCode(() -> service.create("x", "10.0.2.0/24", null), ConflictException.class, "subnet_overlaps");
        assertCode(() -> service.create("x", "10.0.0.0/8", null), ConflictException.class, "subnet_overlaps");
        assertCode(() -> service.create("x", null, "fd00:9a00::/64"), ConflictException.class, "subnet_overlaps");
        assertCode(() -> service.create("x", null, "2001:db8::/64"), ConflictException.class, "subnet_overlaps");
        assertThatThrownBy(() -> service.create("x", "198.18.0.0/30", null)).hasMessageContaining("network default");
        assertThatThrownBy(() -> service.create("x", "10.0.2.0/28", null)).hasMessageContaining("eth0");

        assertThat(service.list()).extracting(Network::name).containsExactly("default", "a");
        assertThat(host.links).containsExactlyInAnyOrder("vt0", "vt1");
    }

    @Test
    void invalidSubnetsAreRefused() throws IOException {
        NetworkService service = started();

        for (String bad : List.of("nonsense", "198.18.40.0", "198.18.40.1/24", "198.18.40.0/31", "fd00:1::/64", "198.18.40.0/x")) {
            assertCode(() -> service.create("x", bad, null), InvalidException.class, "invalid_subnet");
        }
        for (String bad : List.of("198.18.40.0/24", "fd00:1::/48", "fd00:1::/80", "fd00:1::1/64")) {
            assertCode(() -> service.create("x", null, bad), InvalidException.class, "invalid_subnet");
        }
        assertThat(service.list()).hasSize(1);
    }

    @Test
    void namesMustBeValidNewAndNotNone() throws IOException {
        NetworkService service = started();
        service.create("apps", null, null);

        assertCode(() -> service.create("apps", null, null), ConflictException.class, "network_exists");
        assertCode(() -> service.create("default", null, null), ConflictException.class, "network_exists");
        for (String bad : List.of("none", "Apps", "", "-x", "a b", "x".repeat(64))) {
            assertCode(() -> service.create(bad, null, null), InvalidException.class, "invalid_name");
        }
        assertCode(() -> service.create(null, null, null), InvalidException.class, "invalid_name");
        assertThat(service.create("a.b_c-1", null, null).name()).isEqualTo("a.b_c-1");
    }

    @Test
    void aFailedBridgeUndoesTheCreate() throws IOException {
        NetworkService service = started();
        host.failing.add("ip link set vt1 up");

        assertThatThrownBy(() -> service.create("apps", null, null)).isInstanceOf(IOException.class);

        assertThat(service.list()).extracting(Network::name).containsExactly("default");
        assertThat(host.links).containsExactly("vt0");
        assertThat(ipv4Rules()).doesNotContain("vt1");
        host.failing.clear();
        assertThat(service.create("apps", null, null).bridge()).isEqualTo("vt1");
    }

    @Test
    void theDefaultNetworkCannotBeRemoved() throws IOException {
        NetworkService service = started();

        assertCode(() -> service.remove("default"), ConflictException.class, "network_is_default");
        assertThat(service.list()).hasSize(1);
        assertThat(host.links).containsExactly("vt0");
    }

    @Test
    void aNetworkThatInstancesNameCannotBeRemoved() throws IOException {
        NetworkService service = started();
        service.create("apps", null, null);
        configured.put("apps", List.of("web", "db"));

        assertThatThrownBy(() -> service.remove("apps")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("web, db").extracting(e -> ((ConflictException) e).code()).isEqualTo("network_in_use");
        assertThat(service.get("apps")).isNotNull();
        assertThat(host.links).contains("vt1");
    }

    @Test
    void aNetworkWithAnAttachedSandboxCannotBeRemoved() throws IOException {
        NetworkService service = started();
        service.create("apps", null, null);
        repository.insert(new Attachment("w1", "apps", Path.of("/run/netns/vt-w1"), "eth0", null, null, null, List.of(),
                CLOCK.instant()));

        assertThat(service.members("apps")).containsExactly("w1");
        assertThatThrownBy(() -> service.remove("apps")).isInstanceOf(ConflictException.class).hasMessageContaining("w1")
                .extracting(e -> ((ConflictException) e).code()).isEqualTo("network_in_use");
    }

    @Test
    void removeTakesTheRowBridgeRulesAndLeasesAway() throws IOException {
        NetworkService service = started();
        Network apps = service.create("apps", null, null);
        service.create("other", null, null);
        Path leases = Files.createDirectories(service.ipamDir(apps).resolve("apps"));
        Files.writeString(leases.resolve("198.18.16.2"), "w1");

        Network removed = service.remove("apps");

        assertThat(removed).isEqualTo(apps);
        assertThat(service.list()).extracting(Network::name).containsExactly("default", "other");
        assertCode(() -> service.get("apps"), NotFoundException.class, "network_not_found");
        assertThat(host.links).containsExactlyInAnyOrder("vt0", "vt2");
        assertThat(ipv4Rules()).doesNotContain("vt1").contains("-A VT-FORWARD -i vt0 -o vt2 -j DROP");
        assertThat(service.ipamDir(apps)).doesNotExist();
        assertCode(() -> service.remove("apps"), NotFoundException.class, "network_not_found");
    }

    @Test
    void theCniConfigUsesTheNetworksBridgeAndOwnLeaseDirectory() throws IOException {
        NetworkService service = started();
        Network apps = service.create("apps", null, null);

        var conf = service.cniConfig(apps);

        assertThat(conf.name()).isEqualTo("apps");
        assertThat(conf.pluginTypes()).as("admission is the node firewall's, per network").containsExactly("bridge", "portmap");
        assertThat(conf.plugins().get(0).path("bridge").asString()).isEqualTo("vt1");
        assertThat(conf.plugins().get(0).path("ipam").path("dataDir").asString()).isEqualTo(dir.resolve("ipam").resolve("apps").toString());
        assertThat(service.ipamDir(apps)).isEqualTo(dir.resolve("ipam").resolve("apps"));
    }
}
