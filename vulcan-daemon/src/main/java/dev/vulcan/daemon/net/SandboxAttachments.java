package dev.vulcan.daemon.net;

import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.backend.NetworkJoin;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.cni.Cni;
import dev.vulcan.daemon.net.cni.CniException;
import dev.vulcan.daemon.net.cni.CniResult;
import dev.vulcan.daemon.net.cni.NetworkNamespaces;
import dev.vulcan.daemon.net.cni.PortMapping;
import dev.vulcan.daemon.net.cni.RuntimeConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts sandboxes on networks and takes them off: a network namespace per sandbox, joined to the network's
 * bridge by the CNI plugins, with published ports and the files that name its DNS server. Every attachment is
 * recorded before anything is made, so {@link #reconcile} can take down what a killed daemon left behind.
 */
public final class SandboxAttachments implements SandboxNetworking {

    private static final Logger log = LoggerFactory.getLogger(SandboxAttachments.class);
    static final String IF_NAME = "eth0";

    private final NetworkService networks;
    private final NetworkRepository repository;
    private final Cni cni;
    private final NetworkNamespaces namespaces;
    private final SandboxFiles files;
    private final PortProbe ports;
    private final Clock clock;
    /** Port checks and the rows that claim ports happen under this lock, so two sandboxes never get one port. */
    private final Object portClaims = new Object();

    public SandboxAttachments(NetworkService networks, NetworkRepository repository, Cni cni,
            NetworkNamespaces namespaces, Path filesRoot, PortProbe ports, Clock clock) {
        this.networks = networks;
        this.repository = repository;
        this.cni = cni;
        this.namespaces = namespaces;
        this.files = new SandboxFiles(filesRoot, networks.config().dnsDomain());
        this.ports = ports;
        this.clock = clock;
    }

    /**
     * Attaches the sandbox to the network and returns what its backend needs to run in it. On any failure
     * everything made so far is taken down again before the error is thrown.
     *
     * @param hostname the sandbox's host name and, when {@code dnsName} is set, the name it answers to in DNS
     */
    @Override
    public NetworkJoin attach(String sandboxId, String network, String hostname, boolean dnsName,
            List<PublishedPort> published) throws IOException {
        PublishedPort.requireDistinct(published);
        Attachment recorded = networks.sharing(() -> {
            Network n = networks.get(network);
            cni.requirePlugins(networks.cniConfig(n));
            synchronized (portClaims) {
                checkFree(published);
                Attachment a = new Attachment(sandboxId, n.name(), NetworkNamespaces.path(networks.config().netnsName(sandboxId)),
                        IF_NAME, dnsName ? hostname.toLowerCase(java.util.Locale.ROOT) : null, null, null, published,
                        clock.instant());
                repository.insert(a);
                return a;
            }
        });
        try {
            Network n = networks.get(network);
            namespaces.create(networks.config().netnsName(sandboxId));
            CniResult result = cni.add(networks.cniConfig(n), cniAttachment(recorded), runtimeConfig(published));
            InetAddress v4 = result.ipv4().orElse(null);
            InetAddress v6 = result.ipv6().orElse(null);
            Attachment addressed = recorded.withAddresses(v4, v6);
            repository.updateAddresses(addressed);
            files.write(sandboxId, hostname, n, v4, v6);
            log.atDebug().addKeyValue("sandbox", sandboxId).addKeyValue("network", network)
                    .addKeyValue("ipv4", v4 == null ? null : IpPrefix.text(v4))
                    .addKeyValue("ipv6", v6 == null ? null : IpPrefix.text(v6)).log("sandbox attached");
            Path dir = files.dir(sandboxId);
            return new NetworkJoin(recorded.netns(), hostname, List.of(
                    new InstanceDriver.Mount(dir.resolve(SandboxFiles.RESOLV_CONF), "/etc/resolv.conf", true),
                    new InstanceDriver.Mount(dir.resolve(SandboxFiles.HOSTS), "/etc/hosts", true),
                    new InstanceDriver.Mount(dir.resolve(SandboxFiles.HOSTNAME), "/etc/hostname", true)), nic(result));
        } catch (IOException | RuntimeException e) {
            try {
                takeDown(recorded);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof CniException cniFailure) {
                throw new UnavailableException("network_attach_failed", "cannot attach to network " + network + ": "
                        + cniFailure.getMessage());
            }
            throw e;
        }
    }

    /** Takes the sandbox off every network it is on; one that is on none is fine. */
    @Override
    public void detach(String sandboxId) throws IOException {
        for (Attachment a : repository.attachmentsOf(sandboxId)) {
            takeDown(a);
        }
    }

    /** Where the sandbox is, if it is on a network. */
    @Override
    public void requireNetwork(String network) {
        networks.get(network);
    }

    @Override
    public Optional<Attachment> attachment(String sandboxId) {
        return repository.attachmentsOf(sandboxId).stream().findFirst();
    }

    /**
     * At start-up, after the sandboxes were reconciled: takes down the attachments of every sandbox not in
     * {@code alive}, then whatever this node's prefix has on the host that no row explains (network namespaces,
     * per-sandbox files, IPAM leases): the traces of a crash between a step and its record.
     */
    public void reconcile(Set<String> alive) throws IOException {
        int removed = 0;
        for (Attachment a : repository.attachments()) {
            if (!alive.contains(a.sandboxId())) {
                takeDown(a);
                removed++;
            }
        }
        Set<String> recorded = new HashSet<>();
        repository.attachments().forEach(a -> recorded.add(a.sandboxId()));
        String prefix = networks.config().netnsPrefix();
        for (String name : namespaces.list(prefix)) {
            String id = name.substring(prefix.length());
            if (!recorded.contains(id)) {
                for (Network n : networks.list()) {
                    delQuietly(n, new Attachment(id, n.name(), NetworkNamespaces.path(name), IF_NAME, null, null, null,
                            List.of(), clock.instant()));
                }
                namespaces.delete(name);
                removed++;
            }
        }
        for (String id : files.known()) {
            if (!recorded.contains(id)) files.remove(id);
        }
        for (Network n : networks.list()) {
            removed += IpamLeases.sweep(networks.ipamDir(n), recorded);
        }
        log.atInfo().addKeyValue("removed", removed).addKeyValue("kept", recorded.size()).log("network attachments reconciled");
    }

    /** Undoes an attachment step by step; a failing CNI DEL is logged and the rest still goes. */
    private void takeDown(Attachment a) throws IOException {
        Optional<Network> network = networks.list().stream().filter(n -> n.name().equals(a.network())).findFirst();
        network.ifPresent(n -> delQuietly(n, a));
        namespaces.delete(networks.config().netnsName(a.sandboxId()));
        files.remove(a.sandboxId());
        repository.deleteAttachment(a.sandboxId(), a.network());
        log.atDebug().addKeyValue("sandbox", a.sandboxId()).addKeyValue("network", a.network()).log("sandbox detached");
    }

    private void delQuietly(Network n, Attachment a) {
        try {
            cni.del(networks.cniConfig(n), cniAttachment(a), RuntimeConfig.NONE);
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("sandbox", a.sandboxId()).addKeyValue("network", n.name())
                    .addKeyValue("error", e.getMessage()).log("CNI DEL failed; removing the namespace anyway");
        }
    }

    private void checkFree(List<PublishedPort> published) {
        for (PublishedPort p : published) {
            for (Attachment other : repository.attachments()) {
                for (PublishedPort taken : other.ports()) {
                    if (taken.clashes(p)) {
                        throw new ConflictException("port_in_use", "host port " + p.hostPort() + "/" + p.protocol()
                                + " is already published by " + (other.dnsName() == null ? other.sandboxId() : other.dnsName()));
                    }
                }
            }
            if (p.hostIp() != null && !PortProbe.local(p.hostIp())) {
                throw new InvalidException("invalid_port", "host address " + IpPrefix.text(p.hostIp())
                        + " of published port " + p + " is not an address of this host");
            }
            if (!ports.free(p)) {
                throw new ConflictException("port_in_use", "host port " + p.hostPort() + "/" + p.protocol()
                        + " is in use by another program on this host");
            }
        }
    }

    /**
     * The sandbox-side interface of a CNI result (what a microVM guest takes over), or null when the result
     * names none with a MAC.
     */
    public static NetworkJoin.Nic nic(CniResult result) {
        for (int i = 0; i < result.interfaces().size(); i++) {
            CniResult.Interface iface = result.interfaces().get(i);
            if (iface.sandbox() == null || iface.mac() == null || !iface.name().equals(IF_NAME)) {
                continue;
            }
            List<NetworkJoin.Address> addresses = new ArrayList<>();
            List<InetAddress> gateways = new ArrayList<>();
            for (CniResult.IpConfig ip : result.ips()) {
                if (ip.interfaceIndex() != null && ip.interfaceIndex() != i) {
                    continue;
                }
                addresses.add(new NetworkJoin.Address(ip.ip(), ip.prefixLength()));
                ip.gatewayAddress().ifPresent(gateways::add);
            }
            return new NetworkJoin.Nic(iface.name(), iface.mac(), addresses, gateways);
        }
        return null;
    }

    private static dev.vulcan.daemon.net.cni.Attachment cniAttachment(Attachment a) {
        return new dev.vulcan.daemon.net.cni.Attachment(a.sandboxId(), a.netns(), a.ifName());
    }

    private static RuntimeConfig runtimeConfig(List<PublishedPort> published) {
        List<PortMapping> mappings = new ArrayList<>();
        for (PublishedPort p : published) {
            mappings.add(new PortMapping(p.hostPort(), p.containerPort(), p.protocol(),
                    p.hostIp() == null ? null : IpPrefix.text(p.hostIp())));
        }
        return new RuntimeConfig(mappings);
    }
}
