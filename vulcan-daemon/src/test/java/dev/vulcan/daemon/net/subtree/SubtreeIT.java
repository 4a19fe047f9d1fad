package dev.vulcan.daemon.net.subtree;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.subtree.Delegation.RouteState;
import dev.vulcan.daemon.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real network namespaces play a parent node and its child, wired as NETWORK-NOTES describes: the
 * allocator's routes (real {@code ip -n PARENT -6 route}) must carry pings between the parent and
 * an address in the child's delegated prefix, and stop carrying them once released.
 */
class SubtreeIT {

    private static final ProcessRunner PROCESSES = new ProcessRunner.Native();
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final NodeSubtree ROOT = NodeSubtree.parse("fd00:1000::/20");
    /** The parent's bridge; inside its own namespace, so it cannot clash with the host's vulcan0. */
    private static final String BRIDGE = "vtsub-br0";

    @TempDir
    Path dir;

    private final String tag = Long.toString(ProcessHandle.current().pid(), 36) + Long.toString(System.nanoTime() % 46656, 36);
    private final String parent = "vtsub-p-" + tag;
    private final String child = "vtsub-c-" + tag;
    private final List<String> namespaces = new ArrayList<>();
    private Database database;

    @BeforeEach
    void parentNode() throws IOException {
        for (String tool : new String[] {"/usr/sbin/ip", "/usr/bin/busybox"}) {
            if (!Files.isExecutable(Path.of(tool))) skipOrFail(tool + " is missing (scripts/setup installs it)");
        }
        if (!"0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")))) {
            skipOrFail("network namespaces need root");
        }
        database = Database.open(dir.resolve("vulcan.db"));
        namespace(parent);
        // a pinned MAC: a bridge otherwise takes its lowest port's MAC, silently moving fe80::1
        ip("-n", parent, "link", "add", BRIDGE, "address", "02:76:74:73:75:01", "type", "bridge");
        ip("-n", parent, "addr", "add", "fe80::1/64", "dev", BRIDGE, "nodad");
        ip("-n", parent, "addr", "add", IpPrefix.text(ROOT.bridgeAddress()) + "/64", "dev", BRIDGE, "nodad");
        ip("-n", parent, "link", "set", BRIDGE, "up");
    }

    @AfterEach
    void removeNamespaces() throws IOException {
        if (database != null) database.close();
        for (String ns : namespaces.reversed()) {
            PROCESSES.run(List.of("ip", "netns", "del", ns), DEADLINE);
        }
        String left = PROCESSES.check(List.of("ip", "netns", "list"));
        assertThat(left).as("namespaces left behind").doesNotContain(tag);
    }

    @Test
    void theParentRoutesTheDelegatedPrefixToTheChildAndBack() throws IOException {
        SubtreeAllocator allocator = allocator(BRIDGE);
        Delegation delegation = allocator.delegate("c1");
        assertThat(delegation.route()).isEqualTo(new RouteState.Installed());
        String target = IpPrefix.text(delegation.prefix().address(1));
        childNode(delegation);

        assertThat(route(delegation)).contains("via " + IpPrefix.text(delegation.uplink())).contains("dev " + BRIDGE);
        await().atMost(Duration.ofSeconds(10)).until(() -> ping(parent, target));
        assertThat(ping(child, IpPrefix.text(ROOT.bridgeAddress()))).as("child to parent bridge").isTrue();

        allocator.release("c1");

        assertThat(route(delegation)).isBlank();
        assertThat(ping(parent, target)).as("ping after release").isFalse();
    }

    @Test
    void reconcileRestoresARouteTheKernelLost() throws IOException {
        Delegation delegation = allocator(BRIDGE).delegate("c1");
        String target = IpPrefix.text(delegation.prefix().address(1));
        childNode(delegation);
        await().atMost(Duration.ofSeconds(10)).until(() -> ping(parent, target));
        // what a reboot does to the kernel's table while the database keeps the delegation
        ip("-n", parent, "-6", "route", "del", delegation.prefix().toString());
        assertThat(ping(parent, target)).as("ping without the route").isFalse();

        List<Delegation> restored = allocator(BRIDGE).reconcile();

        assertThat(restored).extracting(Delegation::route).containsExactly(new RouteState.Installed());
        assertThat(route(delegation)).contains("via " + IpPrefix.text(delegation.uplink()));
        await().atMost(Duration.ofSeconds(10)).until(() -> ping(parent, target));
        // replace is idempotent: reconciling an installed route changes nothing
        assertThat(allocator(BRIDGE).reconcile()).extracting(Delegation::route).containsExactly(new RouteState.Installed());
    }

    @Test
    void withoutTheBridgeTheRoutePendsUntilItExists() throws IOException {
        String late = "vtsub-late";
        SubtreeAllocator allocator = allocator(late);

        Delegation pending = allocator.delegate("c1");

        assertThat(pending.route().wire()).startsWith("pending: device " + late + " does not exist");
        ip("-n", parent, "link", "add", late, "address", "02:76:74:73:75:02", "type", "bridge");
        ip("-n", parent, "addr", "add", IpPrefix.text(ROOT.bridgeAddress()) + "/64", "dev", late, "nodad");
        ip("-n", parent, "link", "set", late, "up");
        assertThat(allocator.reconcile()).extracting(Delegation::route).containsExactly(new RouteState.Installed());
        assertThat(route(pending)).contains("dev " + late);

        allocator.release("c1");
        assertThat(route(pending)).isBlank();
    }

    @Test
    void theRealRoutesTellAMissingDeviceFromOtherFailuresAndDeleteIsIdempotent() throws IOException {
        Routes routes = new Routes.Ip(PROCESSES, parent);
        IpPrefix prefix = ROOT.childPrefix(3);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> routes.replace(prefix, ROOT.uplink(3), "vtsub-none"))
                .isInstanceOf(Routes.MissingDeviceException.class);
        // a gateway outside every on-link prefix is refused by the kernel: a failure, not a pending route
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> routes.replace(prefix, IpPrefix.literal("fd99::1"), BRIDGE))
                .isInstanceOf(IOException.class).isNotInstanceOf(Routes.MissingDeviceException.class)
                .hasMessageContaining(prefix.toString());
        routes.delete(prefix, ROOT.uplink(3), BRIDGE);
        routes.delete(prefix, ROOT.uplink(3), "vtsub-none");
    }

    private SubtreeAllocator allocator(String bridge) {
        return new SubtreeAllocator(ROOT, database, new Routes.Ip(PROCESSES, parent), bridge, Clock.systemUTC());
    }

    /** The child: uplink /128 on a veth into the parent's bridge, its prefix on a bridge of its own. */
    private void childNode(Delegation delegation) throws IOException {
        namespace(child);
        String port = "vtsub-v" + delegation.nibble();
        ip("-n", parent, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", child);
        ip("-n", parent, "link", "set", port, "master", BRIDGE, "up");
        ip("-n", child, "addr", "add", IpPrefix.text(delegation.uplink()) + "/128", "dev", "eth0", "nodad");
        ip("-n", child, "link", "set", "eth0", "up");
        ip("-n", child, "-6", "route", "add", "::/0", "via", "fe80::1", "dev", "eth0");
        // its own bridge (a dummy would do, but this kernel has no dummy driver), MAC pinned as on a node
        ip("-n", child, "link", "add", "vtsub-own", "address", "02:76:74:73:75:0" + Integer.toHexString(delegation.nibble()),
                "type", "bridge");
        ip("-n", child, "addr", "add", IpPrefix.text(delegation.prefix().address(1)) + "/64", "dev", "vtsub-own", "nodad");
        ip("-n", child, "link", "set", "vtsub-own", "up");
    }

    /** A namespace as a node: forwarding on, DAD off for links made after this (NETWORK-NOTES). */
    private void namespace(String name) throws IOException {
        ip("netns", "add", name);
        namespaces.add(name);
        PROCESSES.check(List.of("ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1",
                "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0"));
        ip("-n", name, "link", "set", "lo", "up");
    }

    private String route(Delegation delegation) throws IOException {
        return PROCESSES.check(List.of("ip", "-n", parent, "-6", "route", "show", delegation.prefix().toString())).strip();
    }

    private static boolean ping(String namespace, String address) throws IOException {
        return PROCESSES.run(List.of("ip", "netns", "exec", namespace, "busybox", "ping", "-6", "-c", "1", "-W", "1",
                address), DEADLINE).exitCode() == 0;
    }

    private static void ip(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        PROCESSES.check(argv);
    }
}
