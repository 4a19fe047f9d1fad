package dev.vulcan.daemon.net;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The node-wide packet filter rules of Vulcan's networks, rendered whole from the list of networks and
 * applied atomically with {@code iptables-restore --noflush}. {@code PREFIX-FORWARD}, jumped to first from
 * FORWARD, drops traffic between any two of the node's bridges, then admits what a sandbox sends and the
 * replies and published-port traffic (DNAT) it receives, so the networks work under a FORWARD policy of DROP
 * too; {@code PREFIX-MASQ} masquerades each network's IPv4 traffic that leaves its bridge. IPv6 is routed, never
 * masqueraded (delegated subtrees keep their source addresses). Rendering from state, rather than adding and
 * deleting rules one by one, leaves nothing stale after a crash: the next apply replaces whatever the chains
 * held. Per-sandbox rules (published ports) belong to CNI's portmap plugin.
 */
public final class NetworkFirewall {

    private final ProcessRunner processes;
    private final String forwardChain;
    private final String masqueradeChain;
    private final Path scratch;

    /** @param prefix the node's device prefix; chains are PREFIX-FORWARD and PREFIX-MASQ */
    public NetworkFirewall(ProcessRunner processes, String prefix, Path scratch) {
        this.processes = processes;
        String upper = prefix.toUpperCase(Locale.ROOT);
        this.forwardChain = upper + "-FORWARD";
        this.masqueradeChain = upper + "-MASQ";
        this.scratch = scratch;
    }

    /** The iptables-restore input for one family. */
    String render(List<Network> networks, boolean ipv6) {
        StringBuilder rules = new StringBuilder("*filter\n:").append(forwardChain).append(" - [0:0]\n");
        for (Network from : networks) {
            for (Network to : networks) {
                if (from != to && (!ipv6 || (from.ipv6Subnet() != null && to.ipv6Subnet() != null))) {
                    rules.append("-A ").append(forwardChain).append(" -i ").append(from.bridge())
                            .append(" -o ").append(to.bridge()).append(" -j DROP\n");
                }
            }
        }
        for (Network n : networks) {
            if (ipv6 && n.ipv6Subnet() == null) continue;
            rules.append("-A ").append(forwardChain).append(" -i ").append(n.bridge()).append(" -j ACCEPT\n");
            rules.append("-A ").append(forwardChain).append(" -o ").append(n.bridge())
                    .append(" -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT\n");
        }
        rules.append("COMMIT\n");
        if (!ipv6) {
            rules.append("*nat\n:").append(masqueradeChain).append(" - [0:0]\n");
            for (Network n : networks) {
                rules.append("-A ").append(masqueradeChain).append(" -s ").append(n.subnet()).append(" ! -o ")
                        .append(n.bridge()).append(" -j MASQUERADE\n");
            }
            rules.append("COMMIT\n");
        }
        return rules.toString();
    }

    /** Replaces the chains' rules with the ones for {@code networks} and makes sure they are jumped to. */
    public synchronized void apply(List<Network> networks) throws IOException {
        for (boolean ipv6 : new boolean[] {false, true}) {
            String tool = ipv6 ? "ip6tables" : "iptables";
            Files.createDirectories(scratch);
            Path file = scratch.resolve(tool + ".rules");
            Files.writeString(file, render(networks, ipv6));
            processes.check(List.of(tool + "-restore", "--noflush", file.toString()));
            jump(tool, "filter", "FORWARD", forwardChain);
            if (!ipv6) {
                jump(tool, "nat", "POSTROUTING", masqueradeChain);
            }
        }
    }

    private void jump(String tool, String table, String from, String chain) throws IOException {
        if (processes.run(List.of(tool, "-w", "-t", table, "-C", from, "-j", chain),
                java.time.Duration.ofSeconds(30)).exitCode() != 0) {
            processes.check(List.of(tool, "-w", "-t", table, "-I", from, "1", "-j", chain));
        }
    }
}
