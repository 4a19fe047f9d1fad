package dev.vulcan.daemon.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.net.cni.CniResult;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.error.VulcanException;
import dev.vulcan.daemon.net.cni.Cni;
import dev.vulcan.daemon.net.dns.DnsServer;
import dev.vulcan.daemon.store.Database;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attachments over a real database, network service and CNI runtime, with the plugins, namespaces, bridges and
 * firewall faked (nothing is made on the host). The default network is 198.18.0.0/24 with fd00:9a00::/64.
 */
class SandboxAttachmentsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private Database database;
    private NetworkRepository repository;
    private NetworkService networks;
    private final FakeCommands host = new FakeCommands();
    private final FakeNamespaces namespaces = new FakeNamespaces();
    private final ScriptedPlugins plugins = new ScriptedPlugins();
    private PortProbe probe = port -> true;
    private SandboxAttachments attachments;
    private Path bin;

    @BeforeEach
    void setUp() throws IOException {
        database = Database.open(dir.resolve("vulcan.db"));
        repository = new NetworkRepository(database);
        NetworkConfig config = NetworkServiceTest.CONFIG;
        networks = new NetworkService(repository, config, new NetworkService.Host(new Bridges(host),
                new NetworkFirewall(host, config.prefix(), dir.resolve("firewall")), List::of),
                new DnsServer(repository::addresses, config.dnsDomain(), List.of(), Duration.ofSeconds(1)),
                dir.resolve("ipam"), CLOCK, name -> List.of());
        networks.start();
        bin = Files.createDirectories(dir.resolve("bin"));
        for (String type : List.of("bridge", "portmap", "host-local")) {
            Files.createFile(bin.resolve(type), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        attachments = new SandboxAttachments(networks, repository, new Cni(bin, dir.resolve("cni"), plugins), namespaces,
                dir.resolve("sandboxes"), port -> probe.free(port), CLOCK);
    }

    @AfterEach
    void tearDown() {
        networks.close();
        database.close();
    }

    private static List<PublishedPort> ports(String... specs) {
        return java.util.Arrays.stream(specs).map(PublishedPort::parse).toList();
    }

    private static void assertCode(ThrowingCallable call, Class<? extends VulcanException> type, String code) {
        assertThatThrownBy(call).isInstanceOf(type).extracting(e -> ((VulcanException) e).code()).isEqualTo(code);
    }

    private void assertNothingOf(String sandboxId) {
        assertThat(repository.attachmentsOf(sandboxId)).isEmpty();
        assertThat(attachments.attachment(sandboxId)).isEmpty();
        assertThat(namespaces.names).doesNotContain("vt-" + sandboxId);
        assertThat(dir.resolve("sandboxes").resolve(sandboxId)).doesNotExist();
    }

    @Test
    void theNicIsTheSandboxSideInterfaceOfABridgeResultWithItsOwnAddressesOnly() {
        // the bridge plugin's real shape: the bridge and the host-side veth first, eth0 (in the sandbox) last
        CniResult result = CniResult.parse(tools.jackson.databind.json.JsonMapper.builder().build().readTree("""
                {"cniVersion": "1.0.0",
                 "interfaces": [{"name": "vt0", "mac": "02:76:74:00:00:01"}, {"name": "veth1", "mac": "aa:bb:cc:dd:ee:ff"},
                                {"name": "eth0", "mac": "0A:58:C6:12:00:05", "sandbox": "/run/netns/vt-s9"}],
                 "ips": [{"address": "198.18.0.5/24", "gateway": "198.18.0.1", "interface": 2},
                         {"address": "10.9.9.9/8", "interface": 1},
                         {"address": "fd00:9a00::1005/64", "gateway": "fd00:9a00::1", "interface": 2}]}
                """));
        NetworkJoin.Nic nic = SandboxAttachments.nic(result);
        assertThat(nic.name()).isEqualTo("eth0");
        assertThat(nic.mac()).isEqualTo("0A:58:C6:12:00:05");
        assertThat(nic.addresses()).containsExactly(new NetworkJoin.Address(dev.vulcan.daemon.net.IpPrefix.literal("198.18.0.5"), 24),
                new NetworkJoin.Address(dev.vulcan.daemon.net.IpPrefix.literal("fd00:9a00::1005"), 64));
        assertThat(nic.gateways()).hasSize(2);
        assertThat(SandboxAttachments.nic(CniResult.parse(tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree("{\"interfaces\": [{\"name\": \"eth0\", \"sandbox\": \"/run/netns/x\"}]}"))))
                .as("no MAC, no NIC").isNull();
    }

    @Test
    void attachRecordsTheSandboxMakesItsNamespaceAndFilesAndReturnsTheJoin() throws IOException {
        NetworkJoin join = attachments.attach("s1", "default", "Web", true, ports("8080:80", "127.0.0.1:5353:53/udp"));

        assertThat(join.netns()).isEqualTo(Path.of("/run/netns/vt-s1"));
        assertThat(join.hostname()).isEqualTo("Web");
        Path files = dir.resolve("sandboxes").resolve("s1");
        assertThat(join.files()).containsExactly(
                new InstanceDriver.Mount(files.resolve("resolv.conf"), "/etc/resolv.conf", true),
                new InstanceDriver.Mount(files.resolve("hosts"), "/etc/hosts", true),
                new InstanceDriver.Mount(files.resolve("hostname"), "/etc/hostname", true));
        assertThat(Files.readString(files.resolve("resolv.conf"))).contains("nameserver 198.18.0.1\n")
                .contains("nameserver fd00:9a00::1\n").contains("search vulcan\n");
        assertThat(Files.readString(files.resolve("hosts"))).contains("198.18.0.2\tWeb.vulcan Web\n")
                .contains("fd00:9a00::1002\tWeb.vulcan Web\n");
        assertThat(Files.readString(files.resolve("hostname"))).isEqualTo("Web\n");
        assertThat(namespaces.names).containsExactly("vt-s1");
        assertThat(join.nic()).as("what a microVM guest takes over").isNotNull();
        assertThat(join.nic().mac()).isEqualTo("02:00:00:00:00:01");
        assertThat(join.nic().addresses()).extracting(NetworkJoin.Address::ip)
                .containsExactly(InetAddress.getByName("198.18.0.2"), InetAddress.getByName("fd00:9a00::1002"));
        assertThat(join.nic().addresses().get(1).prefixLength()).isEqualTo(64);
        assertThat(join.nic().gateways())
                .containsExactly(InetAddress.getByName("198.18.0.1"), InetAddress.getByName("fd00:9a00::1"));

        Attachment a = attachments.attachment("s1").orElseThrow();
        assertThat(a.network()).isEqualTo("default");
        assertThat(a.dnsName()).as("names answer in lower case").isEqualTo("web");
        assertThat(a.ifName()).isEqualTo("eth0");
        assertThat(a.ipv4()).isEqualTo(InetAddress.getByName("198.18.0.2"));
        assertThat(a.ipv6()).isEqualTo(InetAddress.getByName("fd00:9a00::1002"));
        assertThat(a.ports()).containsExactlyElementsOf(ports("8080:80", "127.0.0.1:5353:53/udp"));
        assertThat(repository.addresses("default", "web")).containsExactly(a.ipv4(), a.ipv6());

        assertThat(plugins.sequence()).containsExactly("bridge/ADD/s1", "portmap/ADD/s1");
        ScriptedPlugins.Call bridge = plugins.calls.getFirst();
        assertThat(bridge.env()).containsEntry("CNI_NETNS", "/run/netns/vt-s1").containsEntry("CNI_IFNAME", "eth0");
        assertThat(bridge.config().path("bridge").asString()).isEqualTo("vt0");
        var mappings = plugins.calls.get(1).config().path("runtimeConfig").path("portMappings");
        assertThat(mappings).hasSize(2);
        assertThat(mappings.get(0).path("hostPort").asInt()).isEqualTo(8080);
        assertThat(mappings.get(0).path("containerPort").asInt()).isEqualTo(80);
        assertThat(mappings.get(1).path("protocol").asString()).isEqualTo("udp");
        assertThat(mappings.get(1).path("hostIP").asString()).isEqualTo("127.0.0.1");
    }

    @Test
    void aWorkloadGetsNoDnsName() throws IOException {
        attachments.attach("w1", "default", "w1", false, List.of());

        assertThat(attachments.attachment("w1").orElseThrow().dnsName()).isNull();
        assertThat(networks.members("default")).containsExactly("w1");
    }

    @Test
    void aFailingPluginLeavesNoRowNamespaceOrFiles() {
        plugins.fail("portmap/ADD", 11, "cannot set up port forwarding");

        assertThatThrownBy(() -> attachments.attach("s1", "default", "web", true, ports("8080:80")))
                .isInstanceOf(UnavailableException.class).hasMessageContaining("cannot set up port forwarding")
                .hasMessageContaining("default")
                .extracting(e -> ((UnavailableException) e).code()).isEqualTo("network_attach_failed");

        assertNothingOf("s1");
        assertThat(plugins.sequence()).startsWith("bridge/ADD/s1", "portmap/ADD/s1").contains("bridge/DEL/s1");
        assertThat(dir.resolve("cni").resolve("default-s1-eth0.json")).as("no cached result").doesNotExist();
    }

    @Test
    void aMissingPluginIsRefusedBeforeAnythingIsMade() throws IOException {
        Files.delete(bin.resolve("portmap"));

        assertCode(() -> attachments.attach("s1", "default", "web", true, List.of()), UnavailableException.class,
                "cni_plugin_missing");

        assertNothingOf("s1");
        assertThat(plugins.calls).isEmpty();
    }

    @Test
    void aNamespaceThatCannotBeMadeLeavesNoRow() {
        namespaces.failCreate = true;

        assertThatThrownBy(() -> attachments.attach("s1", "default", "web", true, List.of())).isInstanceOf(IOException.class);

        assertNothingOf("s1");
    }

    @Test
    void anUnknownNetworkIsNotFound() {
        assertCode(() -> attachments.attach("s1", "ghost", "web", true, List.of()), NotFoundException.class,
                "network_not_found");
        assertCode(() -> attachments.requireNetwork("ghost"), NotFoundException.class, "network_not_found");
        assertThatCode(() -> attachments.requireNetwork("default")).doesNotThrowAnyException();
        assertNothingOf("s1");
    }

    @Test
    void twoSandboxesCannotPublishOneHostPort() throws IOException {
        attachments.attach("s1", "default", "web", true, ports("8080:80"));

        assertThatThrownBy(() -> attachments.attach("s2", "default", "api", true, ports("127.0.0.1:8080:81")))
                .isInstanceOf(ConflictException.class).hasMessageContaining("8080/tcp").hasMessageContaining("web")
                .extracting(e -> ((ConflictException) e).code()).isEqualTo("port_in_use");
        assertNothingOf("s2");

        attachments.attach("s3", "default", "dns", true, ports("8080:80/udp"));
        assertThat(attachments.attachment("s3")).isPresent();
        attachments.detach("s1");
        attachments.attach("s2", "default", "api", true, ports("127.0.0.1:8080:81"));
        assertThat(attachments.attachment("s2")).isPresent();
    }

    @Test
    void aPortAnotherProgramHoldsIsInUse() throws IOException {
        probe = PortProbe.BIND;
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = held.getLocalPort();

            assertThatThrownBy(() -> attachments.attach("s1", "default", "web", true, ports("127.0.0.1:" + port + ":80")))
                    .isInstanceOf(ConflictException.class).hasMessageContaining(port + "/tcp")
                    .extracting(e -> ((ConflictException) e).code()).isEqualTo("port_in_use");
            assertNothingOf("s1");
        }
    }

    @Test
    void aHostAddressOfAnotherHostIsInvalid() {
        assertCode(() -> attachments.attach("s1", "default", "web", true, ports("192.0.2.1:8080:80")),
                InvalidException.class, "invalid_port");
        assertNothingOf("s1");
    }

    @Test
    void twoPortsOfOneSandboxOnOneHostPortAreInvalid() {
        assertCode(() -> attachments.attach("s1", "default", "web", true, ports("8080:80", "8080:81")),
                InvalidException.class, "invalid_port");
        assertNothingOf("s1");
    }

    @Test
    void detachTakesEverythingDownAndIsIdempotent() throws IOException {
        attachments.attach("s1", "default", "web", true, ports("8080:80"));
        attachments.attach("s2", "default", "db", true, List.of());
        plugins.calls.clear();

        attachments.detach("s1");

        assertNothingOf("s1");
        assertThat(plugins.sequence()).containsExactly("portmap/DEL/s1", "bridge/DEL/s1");
        assertThat(plugins.calls.get(0).config().path("runtimeConfig").path("portMappings").get(0).path("hostPort").asInt())
                .as("published ports are removed with the runtime config cached at ADD").isEqualTo(8080);
        assertThat(attachments.attachment("s2")).isPresent();
        assertThat(namespaces.names).containsExactly("vt-s2");

        plugins.calls.clear();
        attachments.detach("s1");
        attachments.detach("never");
        assertThat(plugins.calls).isEmpty();
    }

    @Test
    void aFailingDelStillTakesTheRestDown() throws IOException {
        attachments.attach("s1", "default", "web", true, List.of());
        plugins.fail("bridge/DEL", 11, "veth gone");

        attachments.detach("s1");

        assertNothingOf("s1");
    }

    @Test
    void reconcileTakesDownDeadSandboxesAndStrayTraces() throws IOException {
        attachments.attach("alive", "default", "web", true, ports("8080:80"));
        attachments.attach("dead", "default", "db", true, List.of());
        namespaces.names.add("vt-stray");
        namespaces.names.add("vx-other-node");
        Files.createDirectories(dir.resolve("sandboxes").resolve("ghost"));
        Path leases = Files.createDirectories(dir.resolve("ipam").resolve("default").resolve("default"));
        Files.writeString(leases.resolve("198.18.0.2"), "alive\r\neth0");
        Files.writeString(leases.resolve("198.18.0.3"), "dead\r\neth0");
        Files.writeString(leases.resolve("198.18.0.9"), "lost");
        Files.writeString(leases.resolve("last_reserved_ip.0"), "198.18.0.9");
        plugins.calls.clear();

        attachments.reconcile(Set.of("alive"));

        assertThat(repository.attachments()).extracting(Attachment::sandboxId).containsExactly("alive");
        assertThat(namespaces.names).containsExactlyInAnyOrder("vt-alive", "vx-other-node");
        assertThat(dir.resolve("sandboxes").resolve("alive").resolve("hosts")).exists();
        assertThat(dir.resolve("sandboxes").resolve("dead")).doesNotExist();
        assertThat(dir.resolve("sandboxes").resolve("ghost")).doesNotExist();
        assertThat(leases.resolve("198.18.0.2")).exists();
        assertThat(leases.resolve("last_reserved_ip.0")).exists();
        assertThat(leases.resolve("198.18.0.3")).doesNotExist();
        assertThat(leases.resolve("198.18.0.9")).doesNotExist();
        assertThat(plugins.sequence()).contains("bridge/DEL/dead", "bridge/DEL/stray").noneMatch(s -> s.endsWith("/alive"));
    }

    @Test
    void reconcileOfACleanNodeChangesNothing() throws IOException {
        attachments.attach("s1", "default", "web", true, List.of());
        plugins.calls.clear();

        attachments.reconcile(Set.of("s1"));

        assertThat(attachments.attachment("s1")).isPresent();
        assertThat(namespaces.names).containsExactly("vt-s1");
        assertThat(plugins.calls).isEmpty();
    }
}
