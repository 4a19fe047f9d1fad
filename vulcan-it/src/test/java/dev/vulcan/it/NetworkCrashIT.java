package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Networks survive kill -9 of the daemon: running instances keep their addresses, names and published ports, what
 * died with the daemon (a workload) or was never recorded (a stray namespace, a lease) is taken down at start-up,
 * and removing everything leaves no namespace, veth, lease or per-sandbox firewall rule. A missing CNI plugin is
 * a clear error that leaves nothing half-made.
 */
class NetworkCrashIT extends OwnDaemon {

    private static final String IMAGE = "it/busybox:1";

    @Test
    void killNineKeepsRunningInstancesOnTheirNetworksAndSweepsTheRest() throws Exception {
        daemon = DaemonProcess.start(temp.resolve("state"));
        TestNetwork net = daemon.network;
        Cli cli = new Cli(daemon.socket);
        BusyboxImage.importInto(daemon.http(), temp, IMAGE);
        int port = DaemonProcess.freePort();
        ok(cli.run("network", "create", "back"));
        ok(cli.run("create", "--name", "web", "--image", IMAGE, "-p", port + ":80", "--start", "--",
                "httpd", "-f", "-p", "80", "-h", "/etc"));
        ok(cli.run("create", "--name", "client", "--image", IMAGE, "--start", "--", "sleep", "1000"));
        ok(cli.run("create", "--name", "db", "--image", IMAGE, "--network", "back", "--start", "--", "sleep", "1000"));
        String webV4 = daemon.http().get("/v1/instances/web").json().path("network").path("ipv4").asString();
        Http.Reply workload = daemon.http().postJson("/v1/workloads/async", Map.of("runtime", "oci", "image", IMAGE,
                "cmd", "sleep 1000", "isolation", "container", "network", "default", "resources", Map.of("timeout_s", 600)));
        assertThat(workload.status()).as(workload.body()).isIn(200, 201, 202);
        String workloadId = workload.json().path("id").asString();
        await().atMost(Duration.ofSeconds(20)).until(() -> net.namespacesOnHost().size() == 4);

        daemon.kill9();
        // traces of a crash between making something and recording it: a namespace and a lease nobody owns
        TestNetwork.output("ip", "netns", "add", net.prefix() + "-01stray0000000000000000000");
        Path leases = daemon.stateDir.resolve("net/ipam/default/default");
        Files.writeString(leases.resolve("10.250." + net.n() + ".250"), "01stray0000000000000000000\r\neth0");
        daemon.restart();

        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(
                daemon.http().get("/v1/workloads/" + workloadId).json().path("status").asString()));
        assertThat(net.namespacesOnHost()).as("instances keep theirs; the workload's and the stray one are gone")
                .hasSize(3).noneMatch(ns -> ns.contains("stray") || ns.endsWith(workloadId.toLowerCase()));
        assertThat(leases.resolve("10.250." + net.n() + ".250")).doesNotExist();
        assertThat(daemon.http().get("/v1/instances/web").json().path("status").asString()).isEqualTo("running");
        assertThat(daemon.http().get("/v1/instances/web").json().path("network").path("ipv4").asString()).isEqualTo(webV4);
        Cli.Result byName = cli.run("exec", "client", "--", "wget", "-q", "-O", "-", "http://web.vulcan/hostname");
        assertThat(byName.out()).as(byName.err()).isEqualTo("web\n");
        assertThat(TestNetwork.run("curl", "-s", "-f", "-m", "5", "http://127.0.0.1:" + port + "/hostname"))
                .as("the published port after the restart").isEqualTo("web\n");

        ok(cli.run("rm", "-f", "web", "client", "db"));
        ok(cli.run("network", "rm", "back"));
        assertThat(net.namespacesOnHost()).isEmpty();
        assertThat(net.bridgesOnHost()).containsExactly(net.bridge());
        assertThat(TestNetwork.output("ip", "-o", "link", "show", "master", net.bridge())).as("veths on the bridge").isBlank();
        assertThat(net.sandboxRules()).as("per-sandbox iptables rules").isEmpty();
        assertThat(files(daemon.stateDir.resolve("net/ipam"))).as("leases")
                .allMatch(p -> p.getFileName().toString().startsWith("last_reserved_ip") || p.getFileName().toString().equals("lock"));
        assertThat(files(daemon.stateDir.resolve("net/cni"))).as("CNI results").isEmpty();
        assertThat(files(daemon.stateDir.resolve("net/sandboxes"))).as("resolv.conf and hosts files").isEmpty();
    }

    @Test
    void aMissingCniPluginIsAClearErrorAndMakesNothing() throws Exception {
        Path plugins = Files.createDirectories(temp.resolve("cni"));
        for (String plugin : List.of("bridge", "host-local", "firewall", "loopback")) {
            Files.createSymbolicLink(plugins.resolve(plugin), Path.of("/usr/lib/cni", plugin));
        }
        daemon = DaemonProcess.start(temp.resolve("state"), List.of("--cni-plugin-dir", plugins.toString()));
        BusyboxImage.importInto(daemon.http(), temp, IMAGE);
        Http.Reply made = daemon.http().postJson("/v1/instances?start=true", Map.of("name", "web", "image", IMAGE,
                "args", List.of("sleep", "1000")));
        assertThat(made.status()).isEqualTo(422);
        assertThat(made.body()).contains("cni_plugin_missing").contains("portmap");
        assertThat(daemon.network.namespacesOnHost()).isEmpty();
        assertThat(daemon.http().get("/v1/instances/web").json().path("status").asString()).isNotEqualTo("running");

        Http.Reply none = daemon.http().postJson("/v1/instances?start=true", Map.of("name", "loner", "image", IMAGE,
                "network", "none", "args", List.of("sleep", "1000")));
        assertThat(none.status()).as("network none needs no plugin").isEqualTo(201);
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static void ok(Cli.Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
    }
}
