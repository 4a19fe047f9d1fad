package dev.vulcan.daemon.net;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.net.subtree.NodeSubtree;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How this node lays out its networks.
 *
 * @param prefix        names every host object of the node's networks: bridges {@code PREFIX0, PREFIX1...}, network
 *                      namespaces {@code PREFIX-<sandbox>}, chains {@code PREFIX-FORWARD}; two nodes on one host
 *                      (tests, nested nodes) must use different prefixes
 * @param defaultSubnet the IPv4 subnet of the default network (named {@value #DEFAULT_NETWORK}, bridge {@code PREFIX0})
 * @param pool          where networks created without a subnet get theirs, one /24 each
 * @param subtree       the node's IPv6 subtree: network n gets the own space's n-th /64
 * @param dnsDomain     the domain instance names resolve under, e.g. {@code vulcan}
 * @param dnsUpstreams  where other names are forwarded (empty: the host's resolv.conf)
 * @param cniPluginDir  the CNI plugin binaries
 */
public record NetworkConfig(String prefix, IpPrefix defaultSubnet, IpPrefix pool, NodeSubtree subtree, String dnsDomain,
        List<InetSocketAddress> dnsUpstreams, Path cniPluginDir) {

    /**
     * Short enough that PREFIX plus a network number stays within a device name's 15 characters, and ending in a
     * letter so that one node's bridges never look like another's: with "vulcan" and "vulcan1" allowed, vulcan10
     * would be bridge 10 of the one and bridge 0 of the other.
     */
    private static final Pattern PREFIX = Pattern.compile("[a-z]([a-z0-9]{0,8}[a-z])?");
    public static final int POOL_SUBNET_LENGTH = 24;

    public NetworkConfig {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new InvalidException("invalid_network_prefix", "network prefix '" + prefix
                    + "' must be 1-10 lower-case letters or digits, starting and ending with a letter");
        }
        checkIpv4("default subnet", defaultSubnet, 30);
        checkIpv4("network pool", pool, POOL_SUBNET_LENGTH);
        if (defaultSubnet.overlaps(pool)) {
            throw new InvalidException("invalid_subnet", "the default subnet " + defaultSubnet
                    + " overlaps the network pool " + pool);
        }
        dnsUpstreams = List.copyOf(dnsUpstreams);
    }

    public String bridge(int number) {
        return prefix + number;
    }

    /** The default network's name; its bridge is {@code PREFIX0}. */
    public static final String DEFAULT_NETWORK = "default";

    /** The namespace a sandbox's network lives in. */
    public String netnsName(String sandboxId) {
        return prefix + "-" + sandboxId;
    }

    public String netnsPrefix() {
        return prefix + "-";
    }

    private static void checkIpv4(String what, IpPrefix subnet, int longest) {
        if (subnet == null || subnet.ipv6() || subnet.length() > longest) {
            throw new InvalidException("invalid_subnet", "the " + what + " must be an IPv4 prefix of /" + longest
                    + " or larger, not " + subnet);
        }
    }
}
