package dev.vulcan.daemon.net;

import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The node-wide packet filter rules of Vulcan's networks, rendered whole from the list of networks and
 * applied atomically with {@code iptables-restore --noflush}: one chain isolating networks from each other
 * (jumped to first from FORWARD) and one masquerading each network's IPv4 traffic that leaves its bridge.
 * IPv6 is routed, never masqueraded (delegated subtrees keep their source addresses). Rendering from state,
 * rather than adding and deleting rules one by one, leaves nothing stale after a crash: the next apply
 * replaces whatever the chains held. Per-sandbox rules (published ports, CNI firewall) belong to CNI.
 */
public final class NetworkFirewall {

    static final String CNI_ADMIN = "CNI-ADMIN";
    private final ProcessRunner processes;
    private final String isolationChain;
    private final String masqueradeChain;
    private final Path scratch;

    /** @param prefix the node's device prefix; chains are PREFIX-ISOLATION and PREFIX-MASQ */
    public NetworkFirewall(ProcessRunner processes, String prefix, Path scratch) {
        this.processes = processes;
        String upper = prefix.toUpperCase(Locale.ROOT);
        this.isolationChain = upper + "-ISOLATION";
        this.masqueradeChain = upper + "-MASQ";
        this.scratch = scratch;
    }

    /** The iptables-restore input for one family. */
    String render(List<Network> networks, boolean ipv6) {
        StringBuilder rules = new StringBuilder("*filter\n:").append(isolationChain).append(" - [0:0]\n");
        for (Network from : networks) {
            for (Network to : networks) {
                if (from != to && (!ipv6 || (from.ipv6Subnet() != null && to.ipv6Subnet() != null))) {
                    rules.append("-A ").append(isolationChain).append(" -i ").append(from.bridge())
                            .append(" -o ").append(to.bridge()).append(" -j DROP\n");
                }
            }
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
            jump(tool, "filter", "FORWARD", isolationChain);
            // The CNI firewall plugin may later insert its own chain ahead of ours in FORWARD and accept a sandbox's
            // traffic there; its CNI-ADMIN chain, jumped to first, is where the plugin wants such rules.
            processes.run(List.of(tool, "-w", "-t", "filter", "-N", CNI_ADMIN), java.time.Duration.ofSeconds(30));
            jump(tool, "filter", CNI_ADMIN, isolationChain);
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
