package dev.vulcan.daemon.net.subtree;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.IpPrefix;
import java.net.InetAddress;

/**
 * The IPv6 prefix a node owns, split one nibble per level: child nibble 0 is the node's own space
 * (its bridge /64 first, then further /64s for extra networks), nibbles 1-15 are delegated to child
 * nodes. fd00:1000::/20 keeps fd00:1000::/24 and hands child 2 fd00:1200::/24, whose child 1 gets
 * fd00:1210::/28, and so on down to /64 (see /docs/operations.md).
 *
 * <p>A subtree must leave room for /64 children: /60 is the deepest that can be split (its children
 * and own space are /64s); anything longer is refused as {@code subtree_too_small}.
 */
public record NodeSubtree(IpPrefix subtree) {

    /** Bits per level: one hex digit of the address, so every level's prefix reads cleanly. */
    public static final int LEVEL_BITS = 4;
    /** Children per node: the nibbles 1-15 (0 is the node's own space). */
    public static final int CHILDREN = (1 << LEVEL_BITS) - 1;
    private static final int NETWORK_LENGTH = 64;
    /** The uplink of child k is {@code <bridge /64>::1:k}: clear of the gateway ::1 and of IPAM ranges. */
    private static final long UPLINK_BASE = 0x1_0000L;

    public NodeSubtree {
        if (subtree == null) {
            throw new InvalidException("invalid_subtree", "an IPv6 subtree prefix is required");
        }
        if (!subtree.ipv6()) {
            throw new InvalidException("invalid_subtree", "the subtree must be an IPv6 prefix, not " + subtree);
        }
        if (subtree.length() + LEVEL_BITS > NETWORK_LENGTH) {
            throw new UnavailableException("subtree_too_small", "subtree " + subtree + " cannot be split: its children"
                    + " would be /" + (subtree.length() + LEVEL_BITS) + ", longer than /64 (the deepest is /60)");
        }
    }

    /** Parses a CIDR such as {@code fd00:1000::/20}. */
    public static NodeSubtree parse(String cidr) {
        return new NodeSubtree(IpPrefix.parse(cidr));
    }

    /** Child nibble 0: what the node keeps for its own networks. */
    public IpPrefix ownSpace() {
        return subtree.subnet(childLength(), 0);
    }

    /** The default network's /64, the first of the own space: the bridge's subnet. */
    public IpPrefix bridgeSubnet() {
        return networkSubnet(0);
    }

    /** How many /64 networks fit in the own space. */
    public long networks() {
        return 1L << (NETWORK_LENGTH - childLength());
    }

    /** The n-th /64 of the own space; n 0 is the bridge, the others are for extra networks. */
    public IpPrefix networkSubnet(int n) {
        if (n < 0 || n >= networks()) {
            throw new InvalidException("invalid_network", "the own space " + ownSpace() + " has /64 networks 0-"
                    + (networks() - 1) + ", not " + n);
        }
        return ownSpace().subnet(NETWORK_LENGTH, n);
    }

    /** The prefix delegated to child {@code nibble} (1-15). */
    public IpPrefix childPrefix(int nibble) {
        return subtree.subnet(childLength(), checkNibble(nibble));
    }

    /** The address child {@code nibble} puts on its uplink as a /128: {@code <bridge /64>::1:k}. */
    public InetAddress uplink(int nibble) {
        return bridgeSubnet().address(UPLINK_BASE + checkNibble(nibble));
    }

    /** The node's own address on its bridge, {@code <bridge /64>::1}. */
    public InetAddress bridgeAddress() {
        return bridgeSubnet().address(1);
    }

    public int childLength() {
        return subtree.length() + LEVEL_BITS;
    }

    private static int checkNibble(int nibble) {
        if (nibble < 1 || nibble > CHILDREN) {
            throw new InvalidException("invalid_nibble", "child nibbles are 1-" + CHILDREN + ", not " + nibble);
        }
        return nibble;
    }

    @Override
    public String toString() {
        return subtree.toString();
    }
}
