package dev.vulcan.daemon.net;

import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.net.cni.BridgeConfig;
import dev.vulcan.daemon.net.cni.CniConfigList;
import dev.vulcan.daemon.net.dns.DnsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's bridge networks: the default one and those users create, each a host bridge with an IPv4 subnet
 * (NAT outward) and an IPv6 /64 of the node's subtree, isolated from each other, with a DNS server on its
 * gateways. Sandboxes join and leave through {@link SandboxAttachments}; a network in use cannot be removed.
 */
public final class NetworkService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NetworkService.class);

    /** Host effects, each behind its own small interface. */
    public record Host(Bridges bridges, NetworkFirewall firewall, HostRoutes routes) {}

    private final NetworkRepository repository;
    private final NetworkConfig config;
    private final Host host;
    private final DnsServer dns;
    private final Path ipamRoot;
    private final Clock clock;
    private final Function<String, List<String>> instancesConfiguredFor;
    /** Creating and removing networks excludes attaching to them. */
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    /**
     * @param instancesConfiguredFor the names of the instances whose spec names a network (running or not): such a
     *                               network cannot be removed, as Docker refuses to remove a network containers use
     */
    public NetworkService(NetworkRepository repository, NetworkConfig config, Host host, DnsServer dns, Path ipamRoot,
            Clock clock, Function<String, List<String>> instancesConfiguredFor) {
        this.repository = repository;
        this.config = config;
        this.host = host;
        this.dns = dns;
        this.ipamRoot = ipamRoot;
        this.clock = clock;
        this.instancesConfiguredFor = instancesConfiguredFor;
    }

    public NetworkConfig config() {
        return config;
    }

    /**
     * Brings the host in line with the recorded networks (creating the default one on first start): bridges
     * up with their gateways, stale bridges of this node's prefix gone, firewall rules rendered, DNS listening.
     */
    public void start() throws IOException {
        lock.writeLock().lock();
        try {
            if (repository.network(NetworkConfig.DEFAULT_NETWORK).isEmpty()) {
                repository.insert(new Network(NetworkConfig.DEFAULT_NETWORK, config.bridge(0), config.defaultSubnet(),
                        ipv6For(0), true, clock.instant()));
            }
            List<Network> networks = repository.networks();
            Set<String> wanted = new TreeSet<>(networks.stream().map(Network::bridge).toList());
            for (String bridge : host.bridges().list(config.prefix())) {
                if (!wanted.contains(bridge)) {
                    log.atInfo().addKeyValue("bridge", bridge).log("removing a bridge no network owns");
                    host.bridges().remove(bridge);
                }
            }
            for (Network n : networks) {
                host.bridges().ensure(n);
            }
            host.firewall().apply(networks);
            networks.forEach(this::listenDns);
        } finally {
            lock.writeLock().unlock();
        }
    }

    public List<Network> list() {
        return repository.networks();
    }

    public Network get(String name) {
        return repository.network(name).orElseThrow(() -> new NotFoundException("network_not_found",
                "no network named " + name));
    }

    /** Creates a network; a null subnet is the pool's next free /24, a null IPv6 subnet the subtree's next /64. */
    public Network create(String name, String subnet, String ipv6Subnet) throws IOException {
        if (name == null || !Network.NAME.matcher(name).matches() || name.equals("none")) {
            throw new InvalidException("invalid_name", "network name must be 1-63 lower-case letters, digits, '_', '.'"
                    + " or '-', starting with a letter or digit, and not 'none'" + (name == null ? " (it is required)" : ": " + name));
        }
        lock.writeLock().lock();
        try {
            if (repository.network(name).isPresent()) {
                throw new ConflictException("network_exists", "a network named " + name + " already exists");
            }
            List<Network> networks = repository.networks();
            List<HostRoutes.Route> routes = foreignRoutes();
            int number = nextNumber(networks);
            IpPrefix v4 = subnet == null ? freeSubnet(networks, routes) : checkFree(parse(subnet, false), networks, routes);
            IpPrefix v6 = ipv6Subnet == null ? freeIpv6(number, networks) : checkFree(parse(ipv6Subnet, true), networks, routes);
            Network network = new Network(name, config.bridge(number), v4, v6, false, clock.instant());
            repository.insert(network);
            try {
                host.bridges().remove(network.bridge());
                host.bridges().ensure(network);
                host.firewall().apply(repository.networks());
                listenDns(network);
            } catch (IOException | RuntimeException e) {
                repository.delete(name);
                dns.unlisten(name);
                try {
                    host.bridges().remove(network.bridge());
                    host.firewall().apply(repository.networks());
                } catch (IOException | RuntimeException undo) {
                    e.addSuppressed(undo); // the caller sees why the create failed, not why undoing it did
                }
                throw e;
            }
            log.atInfo().addKeyValue("network", name).addKeyValue("subnet", v4).addKeyValue("ipv6_subnet", v6)
                    .log("network created");
            return network;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Who is on the network now: instance names, or sandbox ids of unnamed workloads. */
    public List<String> members(String network) {
        return repository.attachmentsOn(network).stream().map(a -> a.dnsName() == null ? a.sandboxId() : a.dnsName()).toList();
    }

    /** Removes a network nothing uses: its bridge, firewall rules, DNS listener and address leases. */
    public Network remove(String name) throws IOException {
        lock.writeLock().lock();
        try {
            Network network = get(name);
            if (network.isDefault()) {
                throw new ConflictException("network_is_default", "the default network cannot be removed");
            }
            List<String> users = new ArrayList<>(instancesConfiguredFor.apply(name));
            members(name).stream().filter(u -> !users.contains(u)).forEach(users::add);
            if (!users.isEmpty()) {
                throw new ConflictException("network_in_use", "network " + name + " is used by " + String.join(", ", users)
                        + ": remove them first");
            }
            dns.unlisten(name);
            repository.delete(name);
            host.bridges().remove(network.bridge());
            host.firewall().apply(repository.networks());
            deleteTree(ipamRoot.resolve(name));
            log.atInfo().addKeyValue("network", name).log("network removed");
            return network;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The CNI configuration of a network: bridge, host-local IPAM in the network's own lease directory, ports. The
     * FORWARD admission the CNI firewall plugin would add per container, {@link NetworkFirewall} renders per network.
     */
    CniConfigList cniConfig(Network network) {
        return CniConfigList.bridgeNetwork(BridgeConfig.of(network.name(), network.bridge(), network.subnet(),
                network.ipv6Subnet(), ipamRoot.resolve(network.name())), false);
    }

    Path ipamDir(Network network) {
        return ipamRoot.resolve(network.name());
    }

    /** Runs {@code step} while no network is created or removed. */
    <T> T sharing(java.util.function.Supplier<T> step) {
        lock.readLock().lock();
        try {
            return step.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    private void listenDns(Network network) {
        for (InetAddress gateway : new InetAddress[] {network.gateway(), network.ipv6Gateway()}) {
            if (gateway == null) continue;
            try {
                dns.listen(network.name(), gateway, 53);
            } catch (RuntimeException e) {
                // names then do not resolve on this network; everything else works
                log.atWarn().addKeyValue("network", network.name()).addKeyValue("address", IpPrefix.text(gateway))
                        .addKeyValue("error", e.getMessage()).log("DNS server cannot listen on the gateway");
            }
        }
    }

    private IpPrefix ipv6For(int number) {
        return number < config.subtree().networks() ? config.subtree().networkSubnet(number) : null;
    }

    /**
     * The subtree /64 of the bridge number, or the next one if a network was given it explicitly (two networks on one
     * /64 would break routing to both). Host routes are not consulted: a parent node routes this whole subtree here.
     */
    private IpPrefix freeIpv6(int number, List<Network> networks) {
        for (long n = number; n < Math.min(config.subtree().networks(), Integer.MAX_VALUE); n++) {
            IpPrefix candidate = config.subtree().networkSubnet((int) n);
            if (overlap(candidate, networks, List.of()).isEmpty()) return candidate;
        }
        return null;
    }

    private int nextNumber(List<Network> networks) {
        Set<String> taken = new TreeSet<>(networks.stream().map(Network::bridge).toList());
        for (int n = 1; ; n++) {
            if (!taken.contains(config.bridge(n))) return n;
        }
    }

    private IpPrefix freeSubnet(List<Network> networks, List<HostRoutes.Route> routes) {
        long count = 1L << (NetworkConfig.POOL_SUBNET_LENGTH - config.pool().length());
        for (long i = 0; i < count; i++) {
            IpPrefix candidate = config.pool().subnet(NetworkConfig.POOL_SUBNET_LENGTH, i);
            if (overlap(candidate, networks, routes).isEmpty()) return candidate;
        }
        throw new ConflictException("network_pool_exhausted", "every /" + NetworkConfig.POOL_SUBNET_LENGTH
                + " of the network pool " + config.pool() + " is in use: give a subnet");
    }

    private IpPrefix checkFree(IpPrefix subnet, List<Network> networks, List<HostRoutes.Route> routes) {
        overlap(subnet, networks, routes).ifPresent(what -> {
            throw new ConflictException("subnet_overlaps", "subnet " + subnet + " overlaps " + what);
        });
        return subnet;
    }

    private Optional<String> overlap(IpPrefix subnet, List<Network> networks, List<HostRoutes.Route> routes) {
        for (Network n : networks) {
            for (IpPrefix other : new IpPrefix[] {n.subnet(), n.ipv6Subnet()}) {
                if (other != null && other.overlaps(subnet)) return Optional.of("network " + n.name() + " (" + other + ")");
            }
        }
        for (HostRoutes.Route r : routes) {
            if (r.prefix().overlaps(subnet)) return Optional.of("the host's route to " + r.prefix() + " on " + r.device());
        }
        return Optional.empty();
    }

    /** Host routes except those of this node's own bridges (their subnets are checked as networks). */
    private List<HostRoutes.Route> foreignRoutes() throws IOException {
        return host.routes().routes().stream().filter(r -> !Bridges.belongsTo(r.device(), config.prefix())).toList();
    }

    private static IpPrefix parse(String cidr, boolean ipv6) {
        IpPrefix prefix;
        try {
            prefix = IpPrefix.parse(cidr);
        } catch (InvalidException e) {
            throw new InvalidException("invalid_subnet", e.getMessage());
        }
        if (prefix.ipv6() != ipv6) {
            throw new InvalidException("invalid_subnet", (ipv6 ? "ipv6_subnet" : "subnet") + " " + cidr + " is not an "
                    + (ipv6 ? "IPv6" : "IPv4") + " prefix");
        }
        if (!ipv6 && prefix.length() > 30) {
            throw new InvalidException("invalid_subnet", "subnet " + cidr + " is too small: /30 or larger");
        }
        if (ipv6 && prefix.length() != 64) {
            throw new InvalidException("invalid_subnet", "ipv6_subnet " + cidr + " must be a /64");
        }
        return prefix;
    }

    @Override
    public void close() {
        dns.close();
    }

    /** Removes a network's lease directory (small and flat). */
    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
