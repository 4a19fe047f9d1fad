package dev.vulcan.daemon;

import dev.vulcan.daemon.error.VulcanException;
import dev.vulcan.daemon.image.RegistryTrust;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.NetworkConfig;
import dev.vulcan.daemon.net.subtree.NodeSubtree;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `vulcan daemon`: runs the node daemon in the foreground until SIGTERM or SIGINT. */
@Command(name = "vulcan daemon", mixinStandardHelpOptions = true, version = "vulcan daemon " + Daemon.VERSION,
        description = "Run the Vulcan node daemon in the foreground.")
public final class Main implements Callable<Integer> {

    @Option(names = "--state-dir", defaultValue = "${env:VULCAN_STATE_DIR:-/var/lib/vulcan}",
            description = "State directory (database, logs, token). Env VULCAN_STATE_DIR. Default: ${DEFAULT-VALUE}")
    Path stateDir;

    @Option(names = "--socket", defaultValue = "${env:VULCAN_SOCKET:-/run/vulcan/vulcan.sock}",
            description = "Unix socket of the API. Env VULCAN_SOCKET. Default: ${DEFAULT-VALUE}")
    Path socket;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Also serve the API on TCP; callers need the bearer token in STATE_DIR/api-token.")
    String listen;

    @Option(names = "--node-name", description = "Name of this node (default: the host name).")
    String nodeName;

    @Option(names = "--deno", description = "Deno binary for the isolate backend (default: the one in isolate-host/).")
    Path deno;

    @Option(names = "--isolate-hosts", defaultValue = "4",
            description = "Deno host processes per memory class (each runs one workload at a time). Default: ${DEFAULT-VALUE}")
    int isolateHosts;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]", split = ",",
            defaultValue = "${env:VULCAN_INSECURE_REGISTRIES}",
            description = "Allow plain HTTP or an unverified TLS certificate for this registry (repeatable, or"
                    + " comma-separated). Env VULCAN_INSECURE_REGISTRIES.")
    List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--insecure-loopback-registries", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Treat registries on localhost, 127.0.0.0/8 and [::1] as insecure, as Docker does."
                    + " Default: ${DEFAULT-VALUE}")
    boolean loopbackInsecure;

    @Option(names = "--registry-ca-dir", paramLabel = "DIR", defaultValue = "${env:VULCAN_REGISTRY_CA_DIR}",
            description = "Also look for registry CAs in DIR/HOST:PORT/*.crt (STATE_DIR/certs.d is always used)."
                    + " Env VULCAN_REGISTRY_CA_DIR.")
    Path registryCaDir;

    @Option(names = "--base-images", defaultValue = "${env:VULCAN_BASE_IMAGES:-/var/cache/vulcan/base-images}",
            description = "Where scripts/base-images left the code runtimes' images, imported on first use. "
                    + "Env VULCAN_BASE_IMAGES. Default: ${DEFAULT-VALUE}")
    Path baseImages;

    @Option(names = "--vm-images", defaultValue = "${env:VULCAN_VM_IMAGES:-/var/cache/vulcan/vm}",
            description = "Where scripts/vm-images left the microVM kernel and initramfs. Env VULCAN_VM_IMAGES."
                    + " Default: ${DEFAULT-VALUE}")
    Path vmImages;

    @Option(names = "--ipv6-subtree", paramLabel = "CIDR", converter = SubtreeConverter.class, defaultValue = "${env:VULCAN_IPV6_SUBTREE:-fd00:1000::/20}",
            description = "The IPv6 prefix this node owns (/60 or shorter): nibble 0 for its own networks, 1-15"
                    + " for child nodes. Env VULCAN_IPV6_SUBTREE. Default: ${DEFAULT-VALUE}")
    NodeSubtree ipv6Subtree;

    @Option(names = "--network-prefix", defaultValue = "${env:VULCAN_NETWORK_PREFIX:-vulcan}",
            description = "Names this node's bridges (PREFIX0 is the default network's), network namespaces and"
                    + " firewall chains; nodes sharing a host need different ones. Default: ${DEFAULT-VALUE}")
    String networkPrefix;

    @Option(names = "--default-subnet", paramLabel = "CIDR", defaultValue = "${env:VULCAN_DEFAULT_SUBNET:-10.77.0.0/16}",
            description = "IPv4 subnet of the default network. Default: ${DEFAULT-VALUE}")
    String defaultSubnet;

    @Option(names = "--network-pool", paramLabel = "CIDR", defaultValue = "${env:VULCAN_NETWORK_POOL:-10.78.0.0/16}",
            description = "Where networks created without a subnet get a /24. Default: ${DEFAULT-VALUE}")
    String networkPool;

    @Option(names = "--dns-domain", defaultValue = "${env:VULCAN_DNS_DOMAIN:-vulcan}",
            description = "Instances resolve as NAME.DOMAIN on their networks. Default: ${DEFAULT-VALUE}")
    String dnsDomain;

    @Option(names = "--dns-upstream", paramLabel = "IP[:PORT]", split = ",",
            description = "Where the DNS server forwards other names (default: the host's /etc/resolv.conf).")
    List<String> dnsUpstreams;

    @Option(names = "--cni-plugin-dir", defaultValue = "${env:VULCAN_CNI_PLUGIN_DIR:-/usr/lib/cni}",
            description = "The CNI plugin binaries. Default: ${DEFAULT-VALUE}")
    Path cniPluginDir;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("vulcan.home", ".")).toAbsolutePath().normalize();
        DaemonConfig config = new DaemonConfig(home, stateDir.toAbsolutePath(), socket.toAbsolutePath(),
                listen == null ? null : parseListen(listen), nodeName, deno, isolateHosts,
                new RegistryTrust(Set.copyOf(insecureRegistries == null ? List.of() : insecureRegistries), loopbackInsecure,
                        registryCaDir == null ? List.of() : List.of(registryCaDir.toAbsolutePath())),
                baseImages.toAbsolutePath(), new NetworkConfig(networkPrefix, IpPrefix.parse(defaultSubnet),
                        IpPrefix.parse(networkPool), ipv6Subtree, dnsDomain,
                        dnsUpstreams == null ? List.of() : dnsUpstreams.stream().map(Main::upstream).toList(),
                        cniPluginDir.toAbsolutePath()), vmImages.toAbsolutePath());
        CountDownLatch stopRequested = new CountDownLatch(1);
        // Handle TERM and INT ourselves (instead of a shutdown hook) so a requested stop closes
        // everything in order on the main thread and exits 0, as supervisors expect.
        for (String signal : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stopRequested.countDown());
        }
        try (Daemon daemon = Daemon.start(config)) {
            stopRequested.await();
            org.slf4j.LoggerFactory.getLogger(Main.class).atInfo().log("stopping on signal");
        }
        return 0;
    }

    /** A bad subtree is a usage error at start-up, with the allocator's reason. */
    static final class SubtreeConverter implements CommandLine.ITypeConverter<NodeSubtree> {
        @Override
        public NodeSubtree convert(String cidr) {
            try {
                return NodeSubtree.parse(cidr);
            } catch (VulcanException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** An upstream name server: an IP literal (IPv6 in brackets when a port follows) and an optional port. */
    static InetSocketAddress upstream(String text) {
        String host = text;
        int port = 53;
        int colon = text.lastIndexOf(':');
        if (text.startsWith("[") && text.contains("]:") || !text.startsWith("[") && colon > 0 && text.indexOf(':') == colon) {
            host = text.substring(0, colon);
            port = Integer.parseInt(text.substring(colon + 1));
        }
        return new InetSocketAddress(IpPrefix.literal(host.replace("[", "").replace("]", "")), port);
    }

    static InetSocketAddress parseListen(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new CommandLine.TypeConversionException("--listen must be HOST:PORT, got '" + text + "'");
        }
        String host = text.substring(0, colon).replace("[", "").replace("]", "");
        try {
            return new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("--listen port must be a number, got '" + text + "'");
        }
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println("vulcan daemon: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            org.slf4j.LoggerFactory.getLogger(Main.class).atDebug().setCause(e).log("start-up failed");
            return 1;
        });
        System.exit(cli.execute(args));
    }
}
