package dev.vulcan.daemon.net;

import java.net.InetAddress;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * A bridge network of this node: a host bridge with the first address of each subnet as the sandboxes'
 * gateway (and their DNS server), IPv4 with outbound NAT and, when it has one, an IPv6 /64 routed as is.
 */
public record Network(String name, String bridge, IpPrefix subnet, IpPrefix ipv6Subnet, boolean isDefault,
        Instant createdAt) {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");

    public Network {
        if (name == null || !NAME.matcher(name).matches() || name.equals("none")) {
            throw new IllegalArgumentException("invalid network name: " + name);
        }
        if (subnet == null || subnet.ipv6()) throw new IllegalArgumentException("an IPv4 subnet is required");
        if (ipv6Subnet != null && !ipv6Subnet.ipv6()) throw new IllegalArgumentException("ipv6Subnet is not IPv6");
    }

    public InetAddress gateway() {
        return subnet.address(1);
    }

    public InetAddress ipv6Gateway() {
        return ipv6Subnet == null ? null : ipv6Subnet.address(1);
    }
}
