package dev.vulcan.daemon.backend;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A network namespace the network service prepared for one sandbox (interfaces, addresses and routes already
 * in it), and the files that describe it to the sandbox: {@code files} maps host files onto /etc/resolv.conf,
 * /etc/hosts and /etc/hostname. A backend runs the sandbox in that namespace instead of a fresh empty one.
 * {@code nic} is the interface the CNI plugins made in it (null when unknown): what a VM guest takes over.
 */
public record NetworkJoin(Path netns, String hostname, List<InstanceDriver.Mount> files, Nic nic) {

    public NetworkJoin {
        if (netns == null || !netns.isAbsolute()) throw new IllegalArgumentException("netns path must be absolute: " + netns);
        if (hostname == null || hostname.isBlank()) throw new IllegalArgumentException("hostname is required");
        files = List.copyOf(files);
    }

    /** A join whose interface is not described (containers need only the namespace). */
    public NetworkJoin(Path netns, String hostname, List<InstanceDriver.Mount> files) {
        this(netns, hostname, files, null);
    }

    /**
     * The sandbox's interface in the namespace as the CNI result describes it: its name, MAC, addresses and the
     * gateways of their subnets (the default routes, one per family).
     */
    public record Nic(String name, String mac, List<Address> addresses, List<InetAddress> gateways) {
        public Nic {
            if (name == null || !name.matches("[A-Za-z0-9_.\\-]{1,15}")) throw new IllegalArgumentException("bad interface name " + name);
            if (mac == null || !mac.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}")) throw new IllegalArgumentException("bad MAC " + mac);
            addresses = List.copyOf(addresses);
            gateways = List.copyOf(gateways);
        }
    }

    /** One address of the interface with its subnet's prefix length (10.77.0.5/16). */
    public record Address(InetAddress ip, int prefixLength) {
        public Address {
            Objects.requireNonNull(ip, "ip");
            int max = ip.getAddress().length * 8;
            if (prefixLength < 0 || prefixLength > max) throw new IllegalArgumentException("bad prefix length " + prefixLength);
        }
    }
}
