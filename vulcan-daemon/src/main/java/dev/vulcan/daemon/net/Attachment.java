package dev.vulcan.daemon.net;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One sandbox on one network: recorded before its network namespace and CNI attachment exist, so a
 * restarted daemon knows what to take down. Addresses are null until the attachment is made.
 *
 * @param sandboxId the instance or workload id (also the CNI container id)
 * @param dnsName   the name it answers to on the network (null: none)
 */
public record Attachment(String sandboxId, String network, Path netns, String ifName, String dnsName,
        InetAddress ipv4, InetAddress ipv6, List<PublishedPort> ports, Instant createdAt) {

    public Attachment {
        ports = ports == null ? List.of() : List.copyOf(ports);
    }

    Attachment withAddresses(InetAddress v4, InetAddress v6) {
        return new Attachment(sandboxId, network, netns, ifName, dnsName, v4, v6, ports, createdAt);
    }
}
