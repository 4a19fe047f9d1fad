package dev.vulcan.daemon.net;

import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.error.UnavailableException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** What the workload and instance services need of networks: joining and leaving them. */
public interface SandboxNetworking {

    /**
     * Puts the sandbox on the network and returns what its backend needs to run there.
     *
     * @param dnsName whether {@code hostname} answers in the network's DNS (instances: yes; workloads: no)
     */
    NetworkJoin attach(String sandboxId, String network, String hostname, boolean dnsName, List<PublishedPort> ports)
            throws IOException;

    /** Takes the sandbox off its networks; idempotent. */
    void detach(String sandboxId) throws IOException;

    /** Where the sandbox is attached, if anywhere. */
    Optional<Attachment> attachment(String sandboxId);

    /** Fails with network_not_found unless the network exists. */
    void requireNetwork(String network);

    /** A node without networks (unit tests of the services): every attach is refused. */
    SandboxNetworking NONE = new SandboxNetworking() {
        @Override
        public NetworkJoin attach(String sandboxId, String network, String hostname, boolean dnsName,
                List<PublishedPort> ports) {
            throw new UnavailableException("networking_unavailable", "this node has no networks");
        }

        @Override
        public void detach(String sandboxId) {}

        @Override
        public Optional<Attachment> attachment(String sandboxId) {
            return Optional.empty();
        }

        @Override
        public void requireNetwork(String network) {
            throw new UnavailableException("networking_unavailable", "this node has no networks");
        }
    };
}
