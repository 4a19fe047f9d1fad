package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Bridge networks end to end, with the real CNI plugins, iptables and the daemon's DNS server: instances find each
 * other by name, networks are isolated from each other, published ports answer from another network namespace over
 * IPv4 and IPv6, traffic to the outside leaves masqueraded, workloads join a network when asked, and bad input is
 * refused with nothing made.
 */
class NetworkIT {

    private static final String IMAGE = "it/busybox:1";

    @TempDir
    static Path temp;

    static DaemonProcess daemon;
    static Cli cli;
    static TestNetwork net;
    static PeerNamespace peer;
    static int webPort;

    @BeforeAll
    static void startDaemon() throws IOException {
        Tools.require(Path.of("/usr/lib/cni/bridge"), "scripts/setup (containernetworking-plugins)");
        daemon = DaemonProcess.start(temp.resolve("state"));
        net = daemon.network;
        cli = new Cli(daemon.socket);
        BusyboxImage.importInto(daemon.http(), temp, IMAGE);
        peer = new PeerNamespace(net);
        webPort = freePort();
        ok(cli.run("create", "--name", "web", "--image", IMAGE, "-p", webPort + ":80", "--start", "--",
                "httpd", "-f", "-p", "80", "-h", "/etc"));
        ok(cli.run("create", "--name", "client", "--image", IMAGE, "--start", "--", "sleep", "1000"));
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
    void instancesOnOneNetworkReachEachOtherByName() {
        JsonNode web = daemon.http().get("/v1/instances/web").json().path("network");
        assertThat(web.path("network").asString()).isEqualTo("default");
        assertThat(web.path("ipv4").asString()).startsWith("10.250." + net.n() + ".");
        assertThat(web.path("ipv6").asString()).startsWith(net.subtree().substring(0, 9));

        assertThat(exec("client", "cat /etc/resolv.conf")).contains("nameserver " + net.gateway(), "search vulcan");
        assertThat(exec("client", "nslookup web.vulcan")).contains(web.path("ipv4").asString(), web.path("ipv6").asString());
        assertThat(exec("client", "wget -q -O - http://web.vulcan/hostname")).isEqualTo("web\n");
        assertThat(exec("client", "wget -q -O - http://[" + web.path("ipv6").asString() + "]/hostname")).isEqualTo("web\n");
        assertThat(exec("client", "hostname")).isEqualTo("client\n");
    }

    @Test
    void networksAreIsolatedFromEachOther() {
        ok(cli.run("network", "create", "island"));
        try {
            ok(cli.run("create", "--name", "castaway", "--image", IMAGE, "--network", "island", "--start", "--",
                    "sleep", "1000"));
            String webV4 = daemon.http().get("/v1/instances/web").json().path("network").path("ipv4").asString();
            String webV6 = daemon.http().get("/v1/instances/web").json().path("network").path("ipv6").asString();
            JsonNode castaway = daemon.http().get("/v1/instances/castaway").json().path("network");
            assertThat(castaway.path("network").asString()).isEqualTo("island");
            assertThat(castaway.path("ipv4").asString()).startsWith("10." + net.n() + ".0.");

            assertThat(cli.run("exec", "castaway", "--", "wget", "-q", "-T", "3", "-O", "-", "http://" + webV4 + "/hostname").exit())
                    .as("IPv4 across networks").isNotZero();
            assertThat(cli.run("exec", "castaway", "--", "wget", "-q", "-T", "3", "-O", "-", "http://[" + webV6 + "]/hostname").exit())
                    .as("IPv6 across networks").isNotZero();
            assertThat(cli.run("exec", "castaway", "--", "nslookup", "web.vulcan").exit()).as("names of other networks").isNotZero();
            assertThat(cli.run("exec", "castaway", "--", "ping", "-c", "1", "-W", "2",
                    castaway.path("ipv4").asString().replaceAll("\\.\\d+$", ".1")).exit()).as("own gateway").isZero();

            Cli.Result inUse = cli.run("network", "rm", "island");
            assertThat(inUse.exit()).isNotZero();
            assertThat(inUse.err()).contains("network_in_use").contains("castaway");
            ok(cli.run("rm", "-f", "castaway"));
        } finally {
            cli.run("rm", "-f", "castaway");
            ok(cli.run("network", "rm", "island"));
        }
        assertThat(net.bridgesOnHost()).containsExactly(net.bridge());
    }

    @Test
    void publishedPortAnswersFromAnotherNamespaceOverIpv4AndIpv6() {
        assertThat(peer.get("http://" + peer.hostV4 + ":" + webPort + "/hostname")).isEqualTo("web\n");
        assertThat(peer.get("http://[" + peer.hostV6 + "]:" + webPort + "/hostname")).isEqualTo("web\n");
        assertThat(peer.get("http://" + peer.hostV4 + ":" + (webPort == 65535 ? 65534 : webPort + 1) + "/hostname"))
                .as("an unpublished port").isNull();
    }

    @Test
    void outboundTrafficLeavesMasqueraded() throws Exception {
        Path root = Files.createDirectories(temp.resolve("peer-www/cgi-bin"));
        Path script = root.resolve("addr");
        Files.writeString(script, "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s' \"$REMOTE_ADDR\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process server = new ProcessBuilder("ip", "netns", "exec", peer.name, "busybox", "httpd", "-f", "-p", "9999",
                "-h", root.getParent().toString()).redirectErrorStream(true).start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> peer.get("http://" + peer.peerV4 + ":9999/cgi-bin/addr") != null);
            assertThat(exec("client", "wget -q -O - http://" + peer.peerV4 + ":9999/cgi-bin/addr"))
                    .as("the source address the outside sees (busybox httpd writes IPv4 as mapped IPv6)")
                    .isIn(peer.hostV4, "[::ffff:" + peer.hostV4 + "]");
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    @Test
    void workloadsJoinANetworkOnlyWhenAsked() {
        List<String> before = net.namespacesOnHost();
        Cli.Result joined = cli.run("run", "--image", IMAGE, "--isolation", "container", "--network", "default", "--cmd",
                "ip -4 addr show eth0; cat /etc/resolv.conf; wget -q -O - http://web.vulcan/hostname");
        assertThat(joined.exit()).as(joined.err()).isZero();
        assertThat(joined.out()).contains("inet 10.250." + net.n() + ".", "nameserver " + net.gateway(), "web");
        assertThat(net.namespacesOnHost()).as("the workload's namespace is gone").isEqualTo(before);

        Cli.Result none = cli.run("run", "--image", IMAGE, "--isolation", "container", "--cmd", "ip -o link | grep -c -v ' lo:' || true");
        assertThat(none.out().strip()).as("no network: loopback only").isEqualTo("0");

        Http.Reply isolate = daemon.http().postJson("/v1/workloads", Map.of("runtime", "javascript",
                "code", "export default () => 1", "isolation", "isolate", "network", "default"));
        assertThat(isolate.status()).isEqualTo(400);
        assertThat(isolate.body()).contains("network_not_supported");
    }

    @Test
    void badInputIsRefusedAndMakesNothing() throws IOException {
        List<String> bridges = net.bridgesOnHost();
        expectError(cli.run("network", "create", "clash", "--subnet", "10.250." + net.n() + ".128/25"), "subnet_overlaps");
        expectError(cli.run("network", "create", "bad", "--subnet", "10.1.2.3"), "invalid_subnet");
        expectError(cli.run("network", "create", "bad", "--subnet", "10.1.2.3/24"), "host bits");
        expectError(cli.run("network", "create", "bad", "--ipv6-subnet", "fd00:1::/48"), "/64");
        expectError(cli.run("network", "create", "none"), "invalid_name");
        expectError(cli.run("network", "create", "default"), "network_exists");
        expectError(cli.run("network", "rm", "default"), "network_is_default");
        expectError(cli.run("network", "rm", "ghost"), "network_not_found");
        expectError(cli.run("create", "--name", "lost", "--image", IMAGE, "--network", "ghost"), "network_not_found");
        expectError(cli.run("create", "--name", "lost", "--image", IMAGE, "-p", "70000:80"), "invalid_port");
        expectError(cli.run("create", "--name", "lost", "--image", IMAGE, "-p", "80"), "invalid_port");
        expectError(cli.run("create", "--name", "lost", "--image", IMAGE, "-p", "8080:80", "-p", "8080:81"), "same host port");
        expectError(cli.run("create", "--name", "lost", "--image", IMAGE, "--network", "none", "-p", "8080:80"), "network none");
        assertThat(daemon.http().get("/v1/instances/lost").status()).isEqualTo(404);

        ok(cli.run("create", "--name", "twin", "--image", IMAGE, "-p", webPort + ":80", "--", "sleep", "1000"));
        expectError(cli.run("start", "twin"), "port_in_use");
        try (ServerSocket taken = new ServerSocket(0)) {
            ok(cli.run("create", "--name", "squatter", "--image", IMAGE, "-p", taken.getLocalPort() + ":80", "--", "sleep", "1000"));
            expectError(cli.run("start", "squatter"), "port_in_use");
        }
        assertThat(daemon.http().get("/v1/instances/twin").json().path("status").asString()).isEqualTo("created");
        ok(cli.run("rm", "twin", "squatter"));
        assertThat(net.bridgesOnHost()).isEqualTo(bridges);
        assertThat(net.namespacesOnHost()).hasSize(2);
    }

    private static String exec(String instance, String shell) {
        Cli.Result r = cli.run("exec", instance, "--", "sh", "-c", shell);
        assertThat(r.exit()).as(shell + ": " + r.err()).isZero();
        return r.out();
    }

    private static void ok(Cli.Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
    }

    private static void expectError(Cli.Result r, String text) {
        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(r.err()).contains(text);
        assertThat(r.err().strip().lines()).as("one line").hasSize(1);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
