package dev.vulcan.daemon.net.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Forwarding: names outside our domain go to upstream resolvers, here other DnsServers authoritative for
 * {@code upstream.test} on their own loopback addresses, and UDP sockets that never answer standing in for dead ones.
 */
class DnsServerIT {

    private static final InetAddress LOOPBACK = dev.vulcan.daemon.net.IpPrefix.literal("127.0.0.1");
    private static final List<InetAddress> MANY = IntStream.range(1, 201)
            .mapToObj(i -> dev.vulcan.daemon.net.IpPrefix.literal("10.9." + (i / 250) + "." + (i % 250))).toList();

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    @Test
    void otherNamesAreForwardedAndRelayedWithTheClientsId() throws Exception {
        InetSocketAddress upstream = upstream("127.0.0.5");
        InetSocketAddress at = server(List.of(upstream), Duration.ofSeconds(5));

        // SimpleResolver rejects an answer whose id or question differs from its query's.
        Message db = DnsClient.query(at, "db.upstream.test.", Type.A, false);
        Message missing = DnsClient.query(at, "gone.upstream.test.", Type.A, true);

        assertThat(db.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(db.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("10.9.0.1"));
        assertThat(missing.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        // Our own names are still ours, not the upstream's.
        assertThat(DnsClient.query(at, "db.vulcan.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void upstreamsAreTriedInOrderPastDeadAndFailingOnes() throws Exception {
        DatagramSocket silent = silentUpstream();
        InetSocketAddress closedPort = closedPort();
        InetSocketAddress failing = failingUpstream("127.0.0.6");
        InetSocketAddress working = upstream("127.0.0.5");
        InetSocketAddress at = server(List.of((InetSocketAddress) silent.getLocalSocketAddress(), closedPort, failing,
                working), Duration.ofSeconds(8));

        Message reply = DnsClient.query(at, "db.upstream.test.", Type.A, false);

        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(reply.getSection(Section.ANSWER)).hasSize(1);
        assertThat(received(silent)).as("the silent upstream was asked first").isTrue();
    }

    @Test
    void aFailingUpstreamsAnswerIsRelayedWhenNoneDoesBetter() throws Exception {
        InetSocketAddress at = server(List.of(failingUpstream("127.0.0.6")), Duration.ofSeconds(5));

        assertThat(DnsClient.query(at, "db.upstream.test.", Type.A, false).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void noUpstreamAnsweringIsServfailWithinTheTimeout() throws Exception {
        DatagramSocket silent = silentUpstream();
        InetSocketAddress at = server(List.of((InetSocketAddress) silent.getLocalSocketAddress()), Duration.ofMillis(500));
        // The client waits far longer than the server's bound: an answer at all shows the server did not hang.
        SimpleResolver client = DnsClient.resolver(at, false, Duration.ofSeconds(20));

        Message reply = client.send(DnsClient.question("db.upstream.test.", Type.A));

        assertThat(reply.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(server(List.of(), Duration.ofSeconds(1))).satisfies(none -> assertThat(
                DnsClient.query(none, "example.org.", Type.A, true).getRcode()).isEqualTo(Rcode.SERVFAIL));
    }

    @Test
    void aTruncatedUpstreamAnswerIsFetchedAgainOverTcp() throws Exception {
        InetSocketAddress at = server(List.of(upstream("127.0.0.5")), Duration.ofSeconds(5));

        // 200 A records are ~3 kB: more than the upstream sends over UDP for any client here.
        Message whole = DnsClient.query(at, "many.upstream.test.", Type.A, true);
        SimpleResolver udp = DnsClient.resolver(at, false, Duration.ofSeconds(10));
        udp.setEDNS(-1);
        udp.setIgnoreTruncation(true);
        Message truncated = udp.send(DnsClient.question("many.upstream.test.", Type.A));
        Message retried = DnsClient.query(at, "many.upstream.test.", Type.A, false);

        assertThat(whole.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(whole.getSection(Section.ANSWER)).hasSize(MANY.size());
        assertThat(truncated.getHeader().getFlag(Flags.TC)).as("too big for the client's 512 bytes").isTrue();
        assertThat(retried.getSection(Section.ANSWER)).as("SimpleResolver retries over TCP by itself")
                .hasSize(MANY.size());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // guards against a hang, not a measure of speed
    void closeInterruptsAQueryWaitingOnAnUpstreamAndJoinsItsThread() throws Exception {
        DatagramSocket silent = silentUpstream();
        RecordingThreads threads = new RecordingThreads();
        DnsServer server = new DnsServer((n, q) -> List.of(), "vulcan", List.of((InetSocketAddress)
                silent.getLocalSocketAddress()), Duration.ofMinutes(10), Duration.ofSeconds(10), threads);
        server.listen("net-a", LOOPBACK, 0);
        SimpleResolver client = DnsClient.resolver(server.addresses("net-a").getFirst(), false, Duration.ofMinutes(1));
        CompletableFuture<Message> pending = client.sendAsync(DnsClient.question("db.upstream.test.", Type.A))
                .toCompletableFuture();
        assertThat(received(silent)).as("the query reached the upstream").isTrue();

        server.close();

        assertThat(threads.started).isNotEmpty().noneMatch(Thread::isAlive);
        pending.cancel(true);
    }

    /** An upstream DnsServer authoritative for upstream.test: db has one address, many has 200. */
    private InetSocketAddress upstream(String address) {
        DnsServer upstream = new DnsServer((network, name) -> switch (name) {
            case "db" -> List.of(MANY.getFirst());
            case "many" -> MANY;
            default -> List.of();
        }, "upstream.test", List.of(), Duration.ofSeconds(1));
        resources.add(upstream);
        upstream.listen("upstream", dev.vulcan.daemon.net.IpPrefix.literal(address), 0);
        return upstream.addresses("upstream").getFirst();
    }

    /** An upstream that answers SERVFAIL: its lookup fails. */
    private InetSocketAddress failingUpstream(String address) {
        DnsServer upstream = new DnsServer((network, name) -> {
            throw new IllegalStateException("the store is down");
        }, "upstream.test", List.of(), Duration.ofSeconds(1));
        resources.add(upstream);
        upstream.listen("upstream", dev.vulcan.daemon.net.IpPrefix.literal(address), 0);
        return upstream.addresses("upstream").getFirst();
    }

    private InetSocketAddress server(List<InetSocketAddress> upstreams, Duration timeout) {
        DnsServer server = new DnsServer((network, name) -> List.of(), "vulcan", upstreams, timeout);
        resources.add(server);
        server.listen("net-a", LOOPBACK, 0);
        return server.addresses("net-a").getFirst();
    }

    /** A bound UDP socket nobody reads from: the upstream that receives and never answers. */
    private DatagramSocket silentUpstream() throws Exception {
        DatagramSocket socket = new DatagramSocket(0, LOOPBACK);
        resources.add(socket);
        return socket;
    }

    /** A port with nothing bound: the kernel answers "port unreachable". */
    private static InetSocketAddress closedPort() throws Exception {
        try (DatagramSocket probe = new DatagramSocket(0, dev.vulcan.daemon.net.IpPrefix.literal("127.0.0.7"))) {
            return (InetSocketAddress) probe.getLocalSocketAddress();
        }
    }

    private static boolean received(DatagramSocket socket) throws Exception {
        socket.setSoTimeout(20_000);
        byte[] buffer = new byte[65535];
        socket.receive(new DatagramPacket(buffer, buffer.length));
        return true;
    }
}
