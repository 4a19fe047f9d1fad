package dev.vulcan.daemon.net;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Creates and removes the host bridges of networks with iproute2. A bridge gets its gateway addresses
 * before any sandbox joins, so the DNS server can listen on them from the start; IPv6 ones with
 * {@code nodad} (duplicate address detection would hold a fresh address back for seconds, see
 * NETWORK-NOTES). The MAC is pinned: a bridge otherwise takes its lowest port's MAC and changes it as
 * sandboxes come and go, which makes the gateway's neighbour entries in every sandbox stale.
 */
public final class Bridges {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private final ProcessRunner processes;

    public Bridges(ProcessRunner processes) {
        this.processes = processes;
    }

    /** Makes sure the bridge exists, is up and carries the gateway addresses (idempotent; also after a reboot). */
    public void ensure(Network network) throws IOException {
        String bridge = network.bridge();
        if (!exists(bridge)) {
            processes.check(List.of("ip", "link", "add", bridge, "address", mac(bridge), "type", "bridge"));
        }
        if (network.ipv6Subnet() != null) {
            // before the first IPv6 address: no DAD on this bridge's addresses
            processes.check(List.of("sysctl", "-q", "-w", "net.ipv6.conf." + bridge + ".accept_dad=0"));
        }
        address(bridge, IpPrefix.text(network.gateway()) + "/" + network.subnet().length(), false);
        if (network.ipv6Subnet() != null) {
            address(bridge, IpPrefix.text(network.ipv6Gateway()) + "/" + network.ipv6Subnet().length(), true);
        }
        processes.check(List.of("ip", "link", "set", bridge, "up"));
    }

    public void remove(String bridge) throws IOException {
        if (exists(bridge)) {
            processes.check(List.of("ip", "link", "del", bridge));
        }
    }

    /** The bridges on the host named {@code PREFIX<number>}: this node's, whether a network owns them or not. */
    public List<String> list(String prefix) throws IOException {
        String out = processes.check(List.of("ip", "-o", "link", "show", "type", "bridge"));
        List<String> found = new java.util.ArrayList<>();
        for (String line : out.split("\n")) {
            String[] fields = line.split(":\\s+", 3);
            if (fields.length >= 2) {
                String name = fields[1].strip();
                int at = name.indexOf('@');
                if (at >= 0) name = name.substring(0, at);
                if (belongsTo(name, prefix)) found.add(name);
            }
        }
        return found;
    }

    /** Whether a device is one of the bridges of the node with this prefix. */
    public static boolean belongsTo(String device, String prefix) {
        return device.startsWith(prefix) && device.length() > prefix.length()
                && device.substring(prefix.length()).chars().allMatch(Character::isDigit);
    }

    public boolean exists(String bridge) throws IOException {
        return processes.run(List.of("ip", "link", "show", "dev", bridge), DEADLINE).exitCode() == 0;
    }

    private void address(String bridge, String cidr, boolean ipv6) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of("ip", "addr", "replace", cidr, "dev", bridge));
        if (ipv6) argv.add("nodad");
        processes.check(argv);
    }

    /** A locally administered MAC derived from the bridge name: stable across restarts of the node. */
    static String mac(String bridge) {
        int hash = bridge.hashCode();
        return String.format(Locale.ROOT, "02:56:%02x:%02x:%02x:%02x", (hash >>> 24) & 0xff, (hash >>> 16) & 0xff,
                (hash >>> 8) & 0xff, hash & 0xff);
    }
}
