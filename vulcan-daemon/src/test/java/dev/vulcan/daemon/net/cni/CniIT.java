package dev.vulcan.daemon.net.cni;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.IpPrefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * The real plugins from /usr/lib/cni against real network namespaces. Everything this test makes is
 * named vtcni-HEX (netns, network) or vtcniHEX (bridge) and uses its own 10.250.N.0/24 and fd00:9999:N::/64.
 */
class CniIT {

    private static final Path PLUGINS = Path.of("/usr/lib/cni");
    private static final ProcessRunner HOST = new ProcessRunner.Native();

    @TempDir
    Path dir;

    private final String tag = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    private final String prefix = "vtcni-" + tag;
    private final String bridge = "vtcni" + tag;
    private final NetworkNamespaces namespaces = new NetworkNamespaces.Ip(HOST);
    private final List<Runnable> detach = new ArrayList<>();
    private int n;
    private Cni cni;

    @BeforeAll
    static void tools() throws IOException {
        for (String plugin : List.of("bridge", "host-local", "portmap", "firewall")) {
            if (!Files.isExecutable(PLUGINS.resolve(plugin))) {
                skipOrFail("no CNI plugin " + PLUGINS.resolve(plugin) + " (Debian containernetworking-plugins)");
            }
        }
        for (List<String> probe : List.of(List.of("ip", "netns", "list"), List.of("iptables", "-t", "nat", "-S"),
                List.of("busybox", "true"))) {
            ProcessRunner.Result r;
            try {
                r = HOST.run(probe, Duration.ofSeconds(10));
            } catch (IOException e) {
                r = new ProcessRunner.Result(-1, e.getMessage());
            }
            if (r.exitCode() != 0) {
                skipOrFail(String.join(" ", probe) + " does not work here (needs root, iproute2, iptables, busybox-static): " + r.output());
            }
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        cni = new Cni(PLUGINS, dir.resolve("cache"), new PluginExec.Native());
        // A /24 no route on this host uses yet (other tests and helpers run at the same time).
        String routes = HOST.check(List.of("ip", "-4", "route", "show", "table", "all"));
        n = ThreadLocalRandom.current().nextInt(100, 200);
        while (routes.contains("10.250." + n + ".")) {
            n = n == 254 ? 100 : n + 1;
        }
    }

    @AfterEach
    void cleanUp() throws IOException {
        List<Throwable> errors = new ArrayList<>();
        for (Runnable d : detach.reversed()) {
            try {
                d.run();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        for (String ns : namespaces.list(prefix)) {
            namespaces.delete(ns);
        }
        if (linkExists(bridge)) {
            HOST.check(List.of("ip", "link", "del", bridge));
        }
        assertThat(errors).as("DEL during cleanup").isEmpty();
        assertThat(namespaces.list(prefix)).isEmpty();
        assertThat(linkExists(bridge)).isFalse();
        assertNoRulesLeft();
    }

    @Test
    void dualStackAddCheckDel() throws IOException {
        CniConfigList conf = network(IpPrefix.parse("10.250." + n + ".0/24"), IpPrefix.parse("fd00:9999:" + n + "::/64"));
        String ns = prefix + "-a";
        Attachment a = new Attachment(prefix + "-a", namespaces.create(ns), "eth0");
        int hostPort = ThreadLocalRandom.current().nextInt(20000, 30000);
        RuntimeConfig ports = new RuntimeConfig(List.of(PortMapping.tcp(hostPort, 80)));

        CniResult result = add(conf, a, ports);

        String v4 = "10.250." + n + ".2";
        String v6 = "fd00:9999:" + n + "::1000";
        assertThat(result.ipv4()).map(IpPrefix::text).contains(v4);
        assertThat(result.ipv6()).map(IpPrefix::text).contains(v6);
        String addr = HOST.check(List.of("ip", "-n", ns, "addr", "show", "dev", "eth0"));
        assertThat(addr).contains("inet " + v4 + "/24").contains("inet6 " + v6 + "/64");
        assertThat(ping(ns, "10.250." + n + ".1")).isZero();
        // The bridge plugin adds the gateway address to a new bridge without nodad: the host does DAD once per bridge.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> ping(ns, "fd00:9999:" + n + "::1") == 0);

        // CHECK without the ports: portmap 1.1.1 (Debian) looks for the IPv4 DNAT rules in ip6tables and fails
        // (containernetworking/plugins#819, fixed upstream in 1.3); bridge and firewall are checked.
        cni.check(conf, a, RuntimeConfig.NONE);

        assertThat(HOST.check(List.of("iptables", "-t", "nat", "-S"))).contains("--dport " + hostPort);
        assertThat(HOST.check(List.of("ip6tables", "-t", "nat", "-S"))).contains("--dport " + hostPort);
        String hostVeth = result.interfaces().stream()
                .filter(i -> i.sandbox() == null && !i.name().equals(bridge)).findFirst().orElseThrow().name();
        assertThat(linkExists(hostVeth)).isTrue();
        Path leases = dir.resolve("ipam").resolve(conf.name());
        assertThat(leases.resolve(v4)).exists();
        assertThat(leases.resolve(v6)).exists();
        assertThat(cni.cacheFile(conf.name(), a)).exists();

        cni.del(conf, a, ports);

        assertThat(linkExists(hostVeth)).isFalse();
        assertThat(leases.resolve(v4)).doesNotExist();
        assertThat(leases.resolve(v6)).doesNotExist();
        assertThat(HOST.check(List.of("iptables", "-t", "nat", "-S"))).doesNotContain("--dport " + hostPort);
        assertThat(HOST.check(List.of("ip6tables", "-t", "nat", "-S"))).doesNotContain("--dport " + hostPort);
        assertThat(cni.cacheFile(conf.name(), a)).doesNotExist();
        cni.del(conf, a, ports); // a second DEL is fine
        assertNoRulesLeft();

        // The figure the network work needs: ADD+DEL of the whole chain on an existing bridge, a fresh
        // netns each time, with and without a published port (printed, never asserted).
        for (RuntimeConfig rc : List.of(ports, RuntimeConfig.NONE)) {
            List<String> figures = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Attachment b = new Attachment(prefix + "-t" + i, namespaces.create(prefix + "-t" + i), "eth0");
                long t0 = System.nanoTime();
                add(conf, b, rc);
                long t1 = System.nanoTime();
                cni.del(conf, b, rc);
                long t2 = System.nanoTime();
                namespaces.delete(prefix + "-t" + i);
                figures.add((t1 - t0) / 1_000_000 + "/" + (t2 - t1) / 1_000_000);
            }
            System.out.println("CNI bridge+portmap+firewall, " + rc.portMappings().size() + " port(s), ADD/DEL ms: " + figures);
        }
    }

    @Test
    void aBridgeMadeBeforehandWithoutDadAnswersIpv6AtOnce() throws IOException {
        // The recipe for the network service: create the bridge (pinned MAC) with accept_dad=0 before the
        // first ADD; the bridge plugin adopts it, and the IPv6 gateway is usable without the DAD pause.
        HOST.check(List.of("ip", "link", "add", bridge, "address", "02:76:74:63:" + tag.substring(0, 2) + ":" + tag.substring(2),
                "type", "bridge"));
        HOST.check(List.of("sysctl", "-q", "-w", "net.ipv6.conf." + bridge + ".accept_dad=0"));
        CniConfigList conf = network(IpPrefix.parse("10.250." + n + ".0/24"), IpPrefix.parse("fd00:9999:" + n + "::/64"));
        Attachment a = new Attachment(prefix + "-a", namespaces.create(prefix + "-a"), "eth0");

        add(conf, a, RuntimeConfig.NONE);

        assertThat(HOST.check(List.of("ip", "-6", "addr", "show", "dev", bridge))).doesNotContain("tentative");
        assertThat(ping(prefix + "-a", "fd00:9999:" + n + "::1")).isZero();
        assertThat(ping(prefix + "-a", "10.250." + n + ".1")).isZero();
    }

    @Test
    void concurrentAttachmentsAllSucceedAndAllGoAway() throws Exception {
        CniConfigList conf = network(IpPrefix.parse("10.250." + n + ".0/24"), IpPrefix.parse("fd00:9999:" + n + "::/64"));
        int count = 12;
        int basePort = ThreadLocalRandom.current().nextInt(20000, 29000);
        List<Attachment> attachments = new ArrayList<>();
        List<RuntimeConfig> configs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Attachment a = new Attachment(prefix + "-c" + i, namespaces.create(prefix + "-c" + i), "eth0");
            RuntimeConfig rc = new RuntimeConfig(List.of(PortMapping.tcp(basePort + i, 80)));
            attachments.add(a);
            configs.add(rc);
            detach.add(() -> cni.del(conf, a, rc));
        }
        // The burst also creates the bridge: the first attachments race to make it.
        long t0 = System.nanoTime();
        List<CniResult> results = inParallel(count, i -> cni.add(conf, attachments.get(i), configs.get(i)));
        long t1 = System.nanoTime();

        assertThat(results.stream().map(r -> r.ipv4().orElseThrow()).distinct()).hasSize(count);
        assertThat(results.stream().map(r -> r.ipv6().orElseThrow()).distinct()).hasSize(count);
        assertThat(HOST.check(List.of("ip", "-o", "link", "show", "master", bridge)).strip().lines()).hasSize(count);

        long t2 = System.nanoTime();
        inParallel(count, i -> {
            cni.del(conf, attachments.get(i), configs.get(i));
            return null;
        });
        long t3 = System.nanoTime();
        System.out.printf("CNI %d concurrent attachments with a port each: all ADDs %d ms, all DELs %d ms%n",
                count, (t1 - t0) / 1_000_000, (t3 - t2) / 1_000_000);

        assertThat(HOST.check(List.of("ip", "-o", "link", "show", "master", bridge))).isBlank();
        try (var leases = Files.list(dir.resolve("ipam").resolve(conf.name()))) {
            assertThat(leases.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("10.") || f.startsWith("fd00"))).isEmpty();
        }
        assertNoRulesLeft();
    }

    private static <T> List<T> inParallel(int count, java.util.function.IntFunction<T> task) throws Exception {
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(executor.submit(() -> task.apply(index)));
            }
            List<T> results = new ArrayList<>();
            for (var f : futures) {
                results.add(f.get());
            }
            return results;
        }
    }

    @Test
    void delAfterTheNamespaceIsGoneStillCleansUp() throws IOException {
        CniConfigList conf = network(IpPrefix.parse("10.250." + n + ".0/24"), null);
        Attachment a = new Attachment(prefix + "-a", namespaces.create(prefix + "-a"), "eth0");
        int hostPort = ThreadLocalRandom.current().nextInt(20000, 30000);
        RuntimeConfig ports = new RuntimeConfig(List.of(PortMapping.tcp(hostPort, 80)));
        add(conf, a, ports);

        namespaces.delete(prefix + "-a");
        namespaces.delete(prefix + "-a"); // idempotent
        cni.del(conf, a, RuntimeConfig.NONE); // ports come from the cache

        assertThat(HOST.check(List.of("iptables", "-t", "nat", "-S"))).doesNotContain("--dport " + hostPort);
        assertThat(dir.resolve("ipam").resolve(conf.name()).resolve("10.250." + n + ".2")).doesNotExist();
        assertThat(HOST.check(List.of("ip", "-o", "link", "show", "master", bridge))).isBlank();
    }

    @Test
    void anExhaustedRangeIsACniExceptionAndLeavesNothing() throws IOException {
        // A /30 has exactly one host address besides the gateway.
        CniConfigList conf = network(IpPrefix.parse("10.250." + n + ".0/30"), null);
        Attachment first = new Attachment(prefix + "-a", namespaces.create(prefix + "-a"), "eth0");
        add(conf, first, RuntimeConfig.NONE);

        for (String name : List.of("-b", "-c")) {
            Attachment next = new Attachment(prefix + name, namespaces.create(prefix + name), "eth0");
            assertThatThrownBy(() -> cni.add(conf, next, RuntimeConfig.NONE))
                    .isInstanceOfSatisfying(CniException.class, e -> {
                        assertThat(e.plugin()).isEqualTo("bridge");
                        assertThat(e.command()).isEqualTo("ADD");
                        assertThat(e.msg()).contains("no IP addresses available");
                    });
            assertThat(cni.cacheFile(conf.name(), next)).doesNotExist();
            assertThat(HOST.check(List.of("ip", "-n", prefix + name, "-o", "link", "show"))).doesNotContain("eth0");
        }
        // Only the first attachment's veth is on the bridge.
        assertThat(HOST.check(List.of("ip", "-o", "link", "show", "master", bridge)).strip().lines()).hasSize(1);
    }

    @Test
    void anInvalidConfigIsACniExceptionWithThePluginsMessageAndIsUndone() throws IOException {
        CniConfigList good = network(IpPrefix.parse("10.250." + n + ".0/24"), null);
        List<ObjectNode> plugins = new ArrayList<>(good.plugins());
        // portmap passes conditionsV4 to iptables verbatim: an unknown match fails after bridge succeeded.
        plugins.get(1).putArray("conditionsV4").add("-m").add("vtcnibogus");
        CniConfigList conf = new CniConfigList(good.name(), plugins);
        Attachment a = new Attachment(prefix + "-a", namespaces.create(prefix + "-a"), "eth0");
        RuntimeConfig ports = new RuntimeConfig(List.of(PortMapping.tcp(ThreadLocalRandom.current().nextInt(20000, 30000), 80)));
        detach.add(() -> cni.del(conf, a, ports));

        assertThatThrownBy(() -> cni.add(conf, a, ports))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.plugin()).isEqualTo("portmap");
                    assertThat(e.command()).isEqualTo("ADD");
                    assertThat(e.msg()).contains("vtcnibogus");
                    assertThat(e.getMessage()).doesNotContain("\n");
                    System.out.println("portmap error: " + e.getMessage());
                });

        // bridge had succeeded: the undo removed the veth and released the lease.
        assertThat(HOST.check(List.of("ip", "-o", "link", "show", "master", bridge))).isBlank();
        assertThat(HOST.check(List.of("ip", "-n", prefix + "-a", "-o", "link", "show"))).doesNotContain("eth0");
        assertThat(dir.resolve("ipam").resolve(conf.name()).resolve("10.250." + n + ".2")).doesNotExist();
        assertThat(cni.cacheFile(conf.name(), a)).doesNotExist();
    }

    @Test
    void aMissingPluginIsReportedBeforeAnythingRuns() throws IOException {
        CniConfigList good = network(IpPrefix.parse("10.250." + n + ".0/24"), null);
        List<ObjectNode> plugins = new ArrayList<>(good.plugins());
        plugins.add(plugins.getFirst().deepCopy().put("type", "vtcni-missing"));
        CniConfigList conf = new CniConfigList(good.name(), plugins);
        Attachment a = new Attachment(prefix + "-a", namespaces.create(prefix + "-a"), "eth0");

        assertThatThrownBy(() -> cni.add(conf, a, RuntimeConfig.NONE)).isInstanceOf(UnavailableException.class)
                .hasMessageStartingWith("CNI plugin 'vtcni-missing' not found in /usr/lib/cni");
        assertThat(linkExists(bridge)).isFalse(); // the bridge plugin never ran
    }

    @Test
    void namespacesAreCreatedListedAndDeleted() throws IOException {
        Path path = namespaces.create(prefix + "-x");
        assertThat(path).isEqualTo(Path.of("/run/netns/" + prefix + "-x")).exists();
        assertThat(namespaces.list(prefix)).containsExactly(prefix + "-x");
        assertThat(HOST.check(List.of("ip", "netns", "exec", prefix + "-x", "sysctl", "-n", "net.ipv6.conf.default.accept_dad")))
                .isEqualToIgnoringWhitespace("0");
        assertThat(HOST.check(List.of("ip", "-n", prefix + "-x", "link", "show", "lo"))).contains("UP");
        assertThatThrownBy(() -> namespaces.create(prefix + "-x")).isInstanceOf(IOException.class);

        namespaces.delete(prefix + "-x");
        namespaces.delete(prefix + "-x");

        assertThat(namespaces.list(prefix)).isEmpty();
        assertThat(path).doesNotExist();
    }

    private CniConfigList network(IpPrefix v4, IpPrefix v6) {
        return CniConfigList.bridgeNetwork(BridgeConfig.of(prefix, bridge, v4, v6, dir.resolve("ipam")));
    }

    private CniResult add(CniConfigList conf, Attachment a, RuntimeConfig rc) {
        detach.add(() -> cni.del(conf, a, rc));
        return cni.add(conf, a, rc);
    }

    private static int ping(String ns, String address) throws IOException {
        return HOST.run(List.of("ip", "netns", "exec", ns, "busybox", "ping", "-c1", "-W2", address), Duration.ofSeconds(10)).exitCode();
    }

    private static boolean linkExists(String name) throws IOException {
        return HOST.run(List.of("ip", "link", "show", "dev", name), Duration.ofSeconds(10)).exitCode() == 0;
    }

    /** No iptables or ip6tables rule mentions this test's network or subnets. */
    private void assertNoRulesLeft() throws IOException {
        for (String tool : List.of("iptables-save", "ip6tables-save")) {
            String rules = HOST.check(List.of(tool));
            assertThat(rules.lines().filter(l -> l.contains(prefix) || l.contains("10.250." + n + ".")
                    || l.contains("fd00:9999:" + n + ":")).toList()).as(tool).isEmpty();
        }
    }
}
