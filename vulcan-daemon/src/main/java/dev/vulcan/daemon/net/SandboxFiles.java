package dev.vulcan.daemon.net;

import dev.vulcan.daemon.net.dns.ResolvConf;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files that tell a sandbox about its network, bind-mounted over the image's: /etc/resolv.conf (the
 * network's gateways as name servers, the node's domain to search), /etc/hosts and /etc/hostname. One
 * directory per sandbox under the state dir, removed when the sandbox leaves its network.
 */
final class SandboxFiles {

    static final String RESOLV_CONF = "resolv.conf";
    static final String HOSTS = "hosts";
    static final String HOSTNAME = "hostname";

    private final Path root;
    private final String domain;

    SandboxFiles(Path root, String domain) {
        this.root = root;
        this.domain = domain;
    }

    Path dir(String sandboxId) {
        return root.resolve(sandboxId);
    }

    void write(String sandboxId, String hostname, Network network, InetAddress ipv4, InetAddress ipv6) throws IOException {
        Path dir = Files.createDirectories(dir(sandboxId));
        List<InetAddress> servers = new ArrayList<>();
        servers.add(network.gateway());
        if (ipv6 != null && network.ipv6Gateway() != null) servers.add(network.ipv6Gateway());
        Files.writeString(dir.resolve(RESOLV_CONF), ResolvConf.render(servers, List.of(domain), List.of("ndots:1")));
        Files.writeString(dir.resolve(HOSTS), hosts(hostname, ipv4, ipv6));
        Files.writeString(dir.resolve(HOSTNAME), hostname + "\n");
    }

    String hosts(String hostname, InetAddress ipv4, InetAddress ipv6) {
        String names = hostname + "." + domain + " " + hostname;
        StringBuilder text = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        if (ipv4 != null) text.append(IpPrefix.text(ipv4)).append('\t').append(names).append('\n');
        if (ipv6 != null) text.append(IpPrefix.text(ipv6)).append('\t').append(names).append('\n');
        return text.toString();
    }

    void remove(String sandboxId) throws IOException {
        Path dir = dir(sandboxId);
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) Files.deleteIfExists(file);
        }
        Files.deleteIfExists(dir);
    }

    /** The sandbox ids that have a directory here (for sweeping after a crash). */
    List<String> known() throws IOException {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.map(p -> p.getFileName().toString()).toList();
        }
    }
}
