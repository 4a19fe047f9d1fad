package dev.vulcan.daemon.net.dns;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.IpPrefix;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * The daemon's DNS server: on each network's gateway addresses it answers {@code NAME.DOMAIN} with that network's
 * instances and forwards every other name to the host's resolvers. One UDP and one TCP socket per address, each
 * with its own loop on a virtual thread; {@link #close()} (and {@link #unlisten}) join every thread they started.
 */
public final class DnsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    private static final Duration TCP_IDLE = Duration.ofSeconds(10);
    /** Attempts at finding a port free for both UDP and TCP when asked for port 0. */
    private static final int EPHEMERAL_ATTEMPTS = 10;

    private final QueryHandler handler;
    private final Duration tcpIdle;
    private final ThreadFactory threads;
    private final Map<String, List<Binding>> networks = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param domain the domain instances live under, e.g. {@code vulcan} (a trailing dot is allowed)
     * @param upstreams where every other name goes, tried in order
     * @param upstreamTimeout the bound on one forwarded query across all upstreams; then the client gets SERVFAIL
     */
    public DnsServer(NameLookup lookup, String domain, List<InetSocketAddress> upstreams, Duration upstreamTimeout) {
        this(lookup, domain, upstreams, upstreamTimeout, TCP_IDLE, Thread.ofVirtual().name("dns-", 0).factory());
    }

    DnsServer(NameLookup lookup, String domain, List<InetSocketAddress> upstreams, Duration upstreamTimeout,
            Duration tcpIdle, ThreadFactory threads) {
        Objects.requireNonNull(lookup, "lookup");
        if (upstreamTimeout == null || upstreamTimeout.isNegative() || upstreamTimeout.isZero()) {
            throw new InvalidException("invalid_dns_timeout", "the upstream DNS timeout must be positive, not "
                    + upstreamTimeout);
        }
        this.handler = new QueryHandler(new LocalZone(domainName(domain), lookup),
                new Forwarder(List.copyOf(upstreams), upstreamTimeout));
        this.tcpIdle = tcpIdle;
        this.threads = threads;
    }

    /** Parses the domain as an absolute name; the root itself would swallow every name, so it is refused. */
    static Name domainName(String domain) {
        String text = domain == null ? "" : domain.strip();
        if (text.endsWith(".")) {
            text = text.substring(0, text.length() - 1);
        }
        if (!text.matches("[A-Za-z0-9_-]{1,63}(\\.[A-Za-z0-9_-]{1,63})*")) {
            throw new InvalidException("invalid_dns_domain", "'" + domain + "' is not a DNS domain (e.g. vulcan)");
        }
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new InvalidException("invalid_dns_domain", "'" + domain + "' is not a DNS domain: " + e.getMessage());
        }
    }

    /**
     * Answers queries for {@code network} on {@code address}, UDP and TCP on the same port. Another call for the
     * same network adds an address (say the IPv6 gateway beside the IPv4 one). Port 0 picks a free port, which
     * {@link #addresses} tells.
     *
     * @throws UnavailableException when either socket cannot be bound; nothing stays bound then
     */
    public synchronized void listen(String network, InetAddress address, int port) {
        if (closed) {
            throw new IllegalStateException("the DNS server is closed");
        }
        if (network == null || network.isBlank()) {
            throw new InvalidException("invalid_network", "a DNS listener needs a network name");
        }
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 0xffff) {
            throw new InvalidException("invalid_port", "DNS port " + port + " is outside 0-65535");
        }
        Binding binding = bind(network, address, port);
        networks.computeIfAbsent(network, n -> new ArrayList<>()).add(binding);
        log.atInfo().addKeyValue("network", network).addKeyValue("address", where(binding.udp().address()))
                .log("DNS listening");
    }

    /** The addresses this network is answered on (UDP and TCP share each one). */
    public synchronized List<InetSocketAddress> addresses(String network) {
        return networks.getOrDefault(network, List.of()).stream().map(b -> b.udp().address()).toList();
    }

    /** Stops answering for the network and frees its ports; a network never listened on is no error. */
    public void unlisten(String network) {
        List<Binding> bindings;
        synchronized (this) {
            bindings = networks.remove(network);
        }
        if (bindings != null) {
            bindings.forEach(Binding::close);
            log.atInfo().addKeyValue("network", network).log("DNS stopped");
        }
    }

    @Override
    public void close() {
        List<Binding> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            networks.values().forEach(all::addAll);
            networks.clear();
        }
        all.forEach(Binding::close);
    }

    private Binding bind(String network, InetAddress address, int port) {
        for (int attempt = 1; ; attempt++) {
            DatagramSocket udp = null;
            ServerSocket tcp = null;
            String transport = "udp";
            try {
                udp = new DatagramSocket(null);
                udp.bind(new InetSocketAddress(address, port));
                transport = "tcp";
                tcp = new ServerSocket();
                // Lets a network that is deleted and re-created rebind while old connections sit in TIME_WAIT.
                tcp.setReuseAddress(true);
                tcp.bind(new InetSocketAddress(address, udp.getLocalPort()), 64);
                return new Binding(new UdpListener(udp, network, handler, threads),
                        new TcpListener(tcp, network, handler, tcpIdle, threads));
            } catch (IOException e) {
                closeQuietly(udp);
                closeQuietly(tcp);
                if (port == 0 && "tcp".equals(transport) && e instanceof BindException && attempt < EPHEMERAL_ATTEMPTS) {
                    continue; // the free UDP port was taken for TCP: try another
                }
                throw new UnavailableException("dns_listen_failed", "cannot listen for DNS on "
                        + where(new InetSocketAddress(address, port)) + "/" + transport + " for network '" + network
                        + "': " + e.getMessage());
            }
        }
    }

    private static String where(InetSocketAddress address) {
        String host = IpPrefix.text(address.getAddress());
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static void closeQuietly(AutoCloseable socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (Exception ignored) {
            // already failing; the bind error is the one worth reporting
        }
    }

    private record Binding(UdpListener udp, TcpListener tcp) {
        void close() {
            udp.close();
            tcp.close();
        }
    }
}
