package dev.vulcan.daemon.net.cni;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.net.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Path;

/**
 * Vulcan's standard network: one Linux bridge that is the gateway of an IPv4 subnet and, optionally,
 * of an IPv6 /64. {@code ipamDataDir} is this network's own lease directory (the host-local default is
 * shared by every network, and by every nested node on one filesystem).
 */
public record BridgeConfig(String network, String bridge, IpPrefix ipv4Subnet, InetAddress ipv4Gateway,
        IpPrefix ipv6Subnet, InetAddress ipv6Gateway, Path ipamDataDir) {

    public BridgeConfig {
        if (bridge == null || !bridge.matches("[A-Za-z0-9_.\\-]{1,15}")) {
            throw invalid("bridge name '" + bridge + "' must be 1-15 letters, digits, '_', '.' or '-'");
        }
        if (ipv4Subnet == null || ipv4Subnet.ipv6()) {
            throw invalid("network '" + network + "' needs an IPv4 subnet, got " + ipv4Subnet);
        }
        if (ipv4Subnet.length() > 30) {
            throw invalid("IPv4 subnet " + ipv4Subnet + " is too small: it needs room for a gateway and a host (/30 or larger)");
        }
        if (ipv4Gateway == null || !ipv4Subnet.contains(ipv4Gateway)) {
            throw invalid("IPv4 gateway " + ipv4Gateway + " is not inside " + ipv4Subnet);
        }
        if ((ipv6Subnet == null) != (ipv6Gateway == null)) {
            throw invalid("an IPv6 subnet and an IPv6 gateway go together");
        }
        if (ipv6Subnet != null) {
            if (!ipv6Subnet.ipv6() || ipv6Subnet.length() != 64) {
                throw invalid("IPv6 subnet " + ipv6Subnet + " must be an IPv6 /64");
            }
            if (!ipv6Subnet.contains(ipv6Gateway)) {
                throw invalid("IPv6 gateway " + IpPrefix.text(ipv6Gateway) + " is not inside " + ipv6Subnet);
            }
        }
        if (ipamDataDir == null || !ipamDataDir.isAbsolute()) {
            throw invalid("IPAM data directory '" + ipamDataDir + "' must be an absolute path");
        }
        // The network name is checked by CniConfigList.
    }

    /** The usual layout: gateways at offset 1 of each subnet. */
    public static BridgeConfig of(String network, String bridge, IpPrefix ipv4Subnet, IpPrefix ipv6Subnet, Path ipamDataDir) {
        return new BridgeConfig(network, bridge, ipv4Subnet, ipv4Subnet.address(1), ipv6Subnet,
                ipv6Subnet == null ? null : ipv6Subnet.address(1), ipamDataDir);
    }

    private static InvalidException invalid(String message) {
        return new InvalidException("invalid_network", message);
    }
}
