package dev.vulcan.daemon.backend.microvm;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.SandboxAttachments;
import dev.vulcan.daemon.net.cni.Attachment;
import dev.vulcan.daemon.net.cni.BridgeConfig;
import dev.vulcan.daemon.net.cni.Cni;
import dev.vulcan.daemon.net.cni.CniConfigList;
import dev.vulcan.daemon.net.cni.CniResult;
import dev.vulcan.daemon.net.cni.NetworkNamespaces;
import dev.vulcan.daemon.net.cni.PluginExec;
import dev.vulcan.daemon.net.cni.PortMapping;
import dev.vulcan.daemon.net.cni.RuntimeConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real microVM (QEMU, TCG here, 1 vCPU, 256 MiB, the initramfs alone) on a real CNI bridge network: the guest
 * takes over the sandbox's interface, reaches a container-like peer sandbox over IPv4 and IPv6, serves the peer and,
 * through a published port, the host; the TAP and its filters go with the namespace, also after a boot that failed.
 * Everything is named vtvmn-HEX (namespaces, network) or vtvmnHEX (bridge) on its own 10.250.N.0/24 and
 * fd00:9997:N::/64.
 */
class VmNetworkIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ProcessRunner HOST = new ProcessRunner.Native();
    private static final Path PLUGINS = Path.of("/usr/lib/cni");
    private static final Duration BOOT = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofSeconds(60);

    @TempDir
    static Path shared;
    static VmImage image;
    static QemuDriver driver;
    static Accelerator accelerator;

    @TempDir
    Path dir;
    private final String tag = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    private final String prefix = "vtvmn-" + tag;
    private final String bridge = "vtvmn" + tag;
    private final NetworkNamespaces namespaces = new NetworkNamespaces.Ip(HOST);
    private final List<Runnable> detach = new ArrayList<>();
    private final List<VmDriver.Running> vms = new ArrayList<>();
    private final VmNetwork network = new VmNetwork(HOST);
    private int n;
    private Cni cni;
    private CniConfigList conf;

    @BeforeAll
    static void setUp() throws IOException {
        if (!Files.isExecutable(QemuDriver.DEFAULT_BINARY)) {
            skipOrFail("no " + QemuDriver.DEFAULT_BINARY + " (Debian qemu-system-x86)");
        }
        for (String plugin : List.of("bridge", "host-local", "portmap", "firewall")) {
            if (!Files.isExecutable(PLUGINS.resolve(plugin))) {
                skipOrFail("no CNI plugin " + PLUGINS.resolve(plugin) + " (Debian containernetworking-plugins)");
            }
        }
        for (String tool : List.of("/usr/bin/nsenter", "/usr/sbin/tc", "/usr/bin/curl", "/bin/busybox")) {
            if (!Files.isExecutable(Path.of(tool))) {
                skipOrFail("no " + tool + " (util-linux, iproute2, curl, busybox-static)");
            }
        }
        Path imageDir = Path.of(System.getProperty("vulcan.vm.image", VmImage.DEFAULT_DIR.toString()));
        try {
            image = VmImage.load(imageDir, JSON);
        } catch (IOException e) {
            skipOrFail(e.getMessage());
        }
        driver = QemuDriver.create(QemuDriver.DEFAULT_BINARY, TscFrequency.host(), JSON, HOST);
        accelerator = new AcceleratorProbe(driver, image, shared.resolve("accel"), Path.of("/dev/kvm"), JSON,
                Duration.ofSeconds(20), Duration.ofSeconds(120)).probe();
    }

    @AfterAll
    static void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    @BeforeEach
    void network() throws IOException {
        cni = new Cni(PLUGINS, dir.resolve("cache"), new PluginExec.Native());
        String routes = HOST.check(List.of("ip", "-4", "route", "show", "table", "all"));
        n = ThreadLocalRandom.current().nextInt(100, 200);
        while (routes.contains("10.250." + n + ".")) {
            n = n == 254 ? 100 : n + 1;
        }
        conf = CniConfigList.bridgeNetwork(BridgeConfig.of(prefix, bridge, IpPrefix.parse("10.250." + n + ".0/24"),
                IpPrefix.parse("fd00:9997:" + n + "::/64"), dir.resolve("ipam")));
    }

    @AfterEach
    void cleanUp() throws IOException {
        vms.forEach(VmDriver.Running::close);
        detach.reversed().forEach(Runnable::run);
        for (String ns : namespaces.list(prefix)) {
            namespaces.delete(ns);
        }
        if (HOST.run(List.of("ip", "link", "show", "dev", bridge), Duration.ofSeconds(10)).exitCode() == 0) {
            HOST.check(List.of("ip", "link", "del", bridge));
        }
        assertThat(namespaces.list(prefix)).isEmpty();
    }

    /** A sandbox's namespace on the test network, as SandboxAttachments makes one. */
    private NetworkJoin attach(String name, RuntimeConfig ports) throws IOException {
        String ns = prefix + "-" + name;
        Attachment a = new Attachment(ns, namespaces.create(ns), "eth0");
        detach.add(() -> cni.del(conf, a, ports));
        CniResult result = cni.add(conf, a, ports);
        Path files = Files.createDirectories(dir.resolve("files-" + name));
        Files.writeString(files.resolve("resolv.conf"), "nameserver 10.250." + n + ".1\nsearch vulcan\n");
        Files.writeString(files.resolve("hosts"), "127.0.0.1\tlocalhost\n");
        Files.writeString(files.resolve("hostname"), name + "\n");
        return new NetworkJoin(a.netns(), name, List.of(
                new InstanceDriver.Mount(files.resolve("resolv.conf"), "/etc/resolv.conf", true),
                new InstanceDriver.Mount(files.resolve("hostname"), "/etc/hostname", true),
                new InstanceDriver.Mount(files.resolve("hosts"), "/etc/hosts", true)), SandboxAttachments.nic(result));
    }

    private VmDriver.Running launch(String name, NetworkJoin join) throws IOException {
        VmNic nic = network.prepare(join);
        String id = "vtvmn-" + tag + "-" + name;
        VmDriver.Running vm = driver.launch(new VmSpec(id, image, accelerator, 1, 256, shared.resolve(id), List.of(), null,
                null, null, nic), BOOT);
        vms.add(vm);
        return vm;
    }

    private static String run(AgentClient agent, String script) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandResult r = agent.exec(new CommandRequest(List.of("/bin/sh", "-c", script), Map.of(), "/", COMMAND, null),
                (stream, chunk) -> out.writeBytes(chunk), COMMAND.plusSeconds(5));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(r.succeeded()).as(script + ": " + r + " " + text).isTrue();
        return text;
    }

    @Test
    void theGuestTakesOverTheSandboxInterfaceBothWaysAndThroughAPublishedPort() throws Exception {
        NetworkJoin peer = attach("peer", RuntimeConfig.NONE);
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("greeting"), "hello from the peer\n");
        // large enough for full-sized and offloaded (GSO) frames through the TAP and the redirects
        byte[] big = new byte[3 * 1024 * 1024];
        ThreadLocalRandom.current().nextBytes(big);
        Files.write(www.resolve("big"), big);
        String bigMd5 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(big));
        Process server = new ProcessBuilder("nsenter", "--net=" + peer.netns(), "busybox", "httpd", "-f", "-p", "8080",
                "-h", www.toString()).redirectErrorStream(true).start();
        int hostPort = ThreadLocalRandom.current().nextInt(20000, 30000);
        NetworkJoin join = attach("vm", new RuntimeConfig(List.of(PortMapping.tcp(hostPort, 80))));
        String peerV4 = IpPrefix.text(peer.nic().addresses().get(0).ip());
        String peerV6 = IpPrefix.text(peer.nic().addresses().get(1).ip());
        String vmV4 = IpPrefix.text(join.nic().addresses().get(0).ip());
        try {
            long t0 = System.nanoTime();
            VmDriver.Running vm = launch("a", join);
            try (AgentClient agent = AgentClient.handshake(vm.agentChannel(), BOOT)) {
                long t1 = System.nanoTime();
                CommandResult configured = agent.exec(VmNetwork.guestCommand(join, ""), (s, c) -> { }, COMMAND);
                long t2 = System.nanoTime();
                assertThat(configured.succeeded()).as(configured.toString() + " " + vm.diagnostics()).isTrue();
                System.out.printf("microVM network (%s): boot to agent %d ms, guest network command %d ms (agent: %d ms)%n",
                        accelerator.name(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, configured.duration().toMillis());

                String addr = run(agent, "ip -o addr show dev eth0; ip -o link show dev eth0; ip route; ip -6 route;"
                        + " cat /etc/resolv.conf /etc/hostname; hostname");
                assertThat(addr).contains("inet " + vmV4 + "/24", "inet6 " + IpPrefix.text(join.nic().addresses().get(1).ip()) + "/64",
                        join.nic().mac().toLowerCase(), "default via 10.250." + n + ".1",
                        "nameserver 10.250." + n + ".1", "search vulcan").contains("\nvm\nvm\n");
                assertThat(addr).as("DAD off: usable at once").doesNotContain("tentative");
                assertThat(run(agent, "wget -q -O - http://" + peerV4 + ":8080/greeting;"
                        + " wget -q -O - http://[" + peerV6 + "]:8080/greeting"))
                        .isEqualTo("hello from the peer\nhello from the peer\n");
                assertThat(run(agent, "wget -q -O - http://" + peerV4 + ":8080/big | md5sum")).startsWith(bigMd5);
                String guestMd5 = run(agent, "head -c 3000000 /dev/urandom > /etc/big && md5sum /etc/big").substring(0, 32);

                // inbound: a server in the guest, reached from the peer and from the host through the published port
                CompletableFuture<CommandResult> httpd = CompletableFuture.supplyAsync(() -> {
                    try {
                        return agent.exec(new CommandRequest(List.of("httpd", "-f", "-p", "80", "-h", "/etc"), Map.of(), "/",
                                COMMAND, null), (s, c) -> { }, COMMAND.plusSeconds(5));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, r -> Thread.ofVirtual().start(r));
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> HOST.check(List.of("nsenter",
                        "--net=" + peer.netns(), "curl", "-s", "-f", "-m", "5", "http://" + vmV4 + "/hostname")).equals("vm\n"));
                assertThat(HOST.check(List.of("sh", "-c", "nsenter --net=" + peer.netns() + " curl -s -f -m 20 http://" + vmV4
                        + "/big | md5sum"))).as("3 MB out of the guest").startsWith(guestMd5);
                assertThat(HOST.check(List.of("curl", "-s", "-f", "-m", "5", "http://10.250." + n + ".1:" + hostPort + "/hostname")))
                        .isEqualTo("vm\n");
                agent.signal(9, COMMAND);
                assertThat(httpd.get().kind()).isEqualTo(CommandResult.Kind.SIGNALED);
            }
            assertThat(HOST.check(List.of("ip", "-n", prefix + "-vm", "-o", "link", "show", "dev", "tap0"))).contains("tap0");
            assertThat(HOST.check(List.of("ip", "netns", "exec", prefix + "-vm", "tc", "filter", "show", "dev", "eth0", "ingress")))
                    .contains("Redirect to device tap0");
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    @Test
    void prepareIsIdempotentAndTheTapGoesWithTheNamespaceEvenAfterAFailedBoot() throws IOException {
        String tapsBefore = HOST.check(List.of("ip", "-o", "link", "show", "type", "tun"));
        NetworkJoin join = attach("fail", RuntimeConfig.NONE);
        VmNic first = network.prepare(join);
        assertThat(network.prepare(join)).isEqualTo(first);
        String filters = HOST.check(List.of("ip", "netns", "exec", prefix + "-fail", "tc", "filter", "show", "dev", "eth0", "ingress"));
        assertThat(filters.lines().filter(l -> l.contains("Redirect to device tap0"))).as("one filter, not two").hasSize(1);

        VmImage broken = new VmImage(image.id(), dir.resolve("no-kernel"), image.initramfs(), image.kernelVersion());
        String id = "vtvmn-" + tag + "-fail";
        assertThatThrownBy(() -> driver.launch(new VmSpec(id, broken, accelerator, 1, 256, shared.resolve(id), List.of(), null,
                null, null, first), BOOT)).isInstanceOf(IOException.class);
        assertThat(shared.resolve(id)).doesNotExist();

        detach.reversed().forEach(Runnable::run);
        detach.clear();
        namespaces.delete(prefix + "-fail");
        assertThat(namespaces.list(prefix)).isEmpty();
        assertThat(HOST.check(List.of("ip", "-o", "link", "show", "type", "tun"))).isEqualTo(tapsBefore);
    }

    @Test
    void aJoinWithoutItsInterfaceIsRefused() {
        NetworkJoin bare = new NetworkJoin(Path.of("/run/netns/" + prefix + "-none"), "x", List.of());
        assertThatThrownBy(() -> network.prepare(bare)).isInstanceOf(IOException.class).hasMessageContaining("MAC");
        assertThatThrownBy(() -> VmNetwork.guestCommand(bare, "")).isInstanceOf(IOException.class);
    }
}
