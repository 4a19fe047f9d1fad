package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * MicroVM workloads on a bridge network (TCG: seconds per VM, so few VMs): the guest takes over the sandbox's CNI
 * interface (a TAP in its namespace tied to it with tc), gets addresses from the network's IPAM, resolves another
 * sandbox by name through the daemon's DNS, reaches it over IPv4 and IPv6 and reaches another machine through the
 * NAT; a VM on no network has only loopback; nothing (namespace, TAP) is left on the host after either, nor after
 * a VM killed while it boots.
 */
class MicroVmNetworkIT {

    private static final String IMAGE = "it/busybox:1";

    @TempDir
    static Path temp;

    static DaemonProcess daemon;
    static Cli cli;
    static TestNetwork net;
    static PeerNamespace peer;

    @BeforeAll
    static void startDaemon() throws IOException {
        Tools.require(Path.of("/usr/lib/cni/bridge"), "scripts/setup (containernetworking-plugins)");
        daemon = DaemonProcess.start(temp.resolve("state"));
        net = daemon.network;
        cli = new Cli(daemon.socket);
        boolean microvm = daemon.availableBackends().contains("microvm");
        String why = "the microvm backend is unavailable (QEMU and scripts/vm-images): " + daemon.http().get("/v1/backends").body();
        if (Repo.inCi()) {
            assertThat(microvm).as(why).isTrue();
        } else {
            org.junit.jupiter.api.Assumptions.assumeTrue(microvm, why);
        }
        BusyboxImage.importInto(daemon.http(), temp, IMAGE);
        peer = new PeerNamespace(net);
        ok(cli.run("create", "--name", "web", "--image", IMAGE, "--start", "--", "httpd", "-f", "-p", "80", "-h", "/etc"));
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (peer != null) peer.close();
        if (daemon != null) {
            assertThat(daemon.removeInstancesAndStop()).isZero();
            daemon.close();
        }
    }

    @Test
    void aVmWorkloadOnTheNetworkResolvesAndReachesOtherSandboxesAndTheOutside() throws Exception {
        Path root = Files.createDirectories(temp.resolve("peer-www"));
        Files.writeString(root.resolve("greeting"), "hello from the peer\n");
        Process server = new ProcessBuilder("ip", "netns", "exec", peer.name, "busybox", "httpd", "-f", "-p", "9998",
                "-h", root.toString()).redirectErrorStream(true).start();
        List<String> namespaces = net.namespacesOnHost();
        List<String> taps = taps();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> peer.get("http://" + peer.peerV4 + ":9998/greeting") != null);
            JsonNode web = daemon.http().get("/v1/instances/web").json().path("network");
            Cli.Result r = cli.run("run", "--isolation", "microvm", "--network", "default", "--image", IMAGE, "-o", "json",
                    "--cmd", "ip -o addr show dev eth0; cat /etc/resolv.conf; hostname; echo ---;"
                            + " wget -q -O - http://web.vulcan/hostname;"
                            + " wget -q -O - http://[" + web.path("ipv6").asString() + "]/hostname;"
                            + " wget -q -O - http://" + peer.peerV4 + ":9998/greeting");
            assertThat(r.exit()).as(r.err() + r.out()).isZero();
            JsonNode w = Http.mapper().readTree(r.out());
            assertThat(w.path("isolation_used").asString()).isEqualTo("microvm");
            String out = w.path("output").asString();
            String[] parts = out.split("---\n", 2);
            assertThat(parts[0]).as("the sandbox's addresses, from the network's IPAM")
                    .containsPattern("inet 10\\.250\\." + net.n() + "\\.\\d+/")
                    .contains("inet6 " + net.subtree().substring(0, 9))
                    .contains("nameserver " + net.gateway(), "search vulcan")
                    .contains(w.path("id").asString().toLowerCase(java.util.Locale.ROOT));
            assertThat(parts[1]).as("by name, over IPv6, and out through the NAT")
                    .isEqualTo("web\nweb\nhello from the peer\n");
        } finally {
            server.destroyForcibly().waitFor();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(net.namespacesOnHost()).as("the workload's namespace is gone").isEqualTo(namespaces);
            assertThat(temp.resolve("state/microvm/run")).isEmptyDirectory();
        });
        assertThat(taps()).as("no TAP on the host").isEqualTo(taps);
    }

    @Test
    void aVmOnNoNetworkHasOnlyLoopback() throws Exception {
        Cli.Result r = cli.run("run", "--isolation", "microvm", "--image", IMAGE, "-o", "json", "--cmd", "ip -o link");
        assertThat(r.exit()).as(r.err() + r.out()).isZero();
        List<String> links = Http.mapper().readTree(r.out()).path("output").asString().lines().toList();
        assertThat(links).hasSize(1);
        // up, as a container's: a server in the VM is reachable from inside it
        assertThat(links.getFirst()).contains(": lo:").contains("<LOOPBACK,UP");
    }

    @Test
    void aVmKilledWhileItBootsLeavesNothingOnItsNetwork() {
        List<String> namespaces = net.namespacesOnHost();
        List<String> taps = taps();
        Http.Reply started = daemon.http().postJson("/v1/workloads/async", Map.of("isolation", "microvm",
                "network", "default", "image", IMAGE, "args", List.of("sleep", "600")));
        assertThat(started.status()).as(started.body()).isIn(200, 201, 202);
        String id = started.json().path("id").asString();
        await().atMost(Duration.ofSeconds(30)).until(() -> net.namespacesOnHost().size() > namespaces.size());
        Http.Reply killed = daemon.http().delete("/v1/workloads/" + id);
        assertThat(killed.status()).as(killed.body()).isEqualTo(200);
        assertThat(killed.json().path("status").asString()).isEqualTo("killed");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(net.namespacesOnHost()).isEqualTo(namespaces);
            assertThat(temp.resolve("state/microvm/run")).isEmptyDirectory();
        });
        assertThat(taps()).isEqualTo(taps);
    }

    /** The TAP devices of the host's own namespace. */
    private static List<String> taps() {
        return TestNetwork.output("ip", "-o", "link", "show", "type", "tun").lines()
                .map(l -> l.split(":\\s+", 3)[1]).sorted().toList();
    }

    private static void ok(Cli.Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
    }
}
