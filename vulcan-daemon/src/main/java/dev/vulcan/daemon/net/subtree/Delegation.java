package dev.vulcan.daemon.net.subtree;

import dev.vulcan.daemon.net.IpPrefix;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * A child node's share of the subtree: its nibble, its prefix, the uplink address the route goes
 * through, and whether that route is in the kernel now.
 */
public record Delegation(String child, int nibble, IpPrefix prefix, InetAddress uplink, Instant createdAt,
        RouteState route) {

    public Delegation {
        Objects.requireNonNull(child, "child");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(uplink, "uplink");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(route, "route");
        if (nibble < 1 || nibble > NodeSubtree.CHILDREN) {
            throw new IllegalArgumentException("nibble " + nibble + " is outside 1-" + NodeSubtree.CHILDREN);
        }
    }

    /** Whether the route to the child's prefix is in the kernel. */
    public sealed interface RouteState {
        /** The text the API shows: installed, pending: REASON, stale: REASON. */
        String wire();

        record Installed() implements RouteState {
            @Override
            public String wire() {
                return "installed";
            }
        }

        /** Not installed yet (e.g. the bridge does not exist yet); {@link SubtreeAllocator#reconcile} retries. */
        record Pending(String reason) implements RouteState {
            @Override
            public String wire() {
                return "pending: " + reason;
            }
        }

        /** Recorded under a subtree the node no longer has: never routed, kept until released. */
        record Stale(String reason) implements RouteState {
            @Override
            public String wire() {
                return "stale: " + reason;
            }
        }
    }
}
