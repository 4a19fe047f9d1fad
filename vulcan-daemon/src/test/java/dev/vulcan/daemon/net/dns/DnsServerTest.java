package dev.vulcan.daemon.net.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.UnavailableException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The names under our domain, answered over real loopback sockets, and the listeners' lifecycle. */
class DnsServerTest {

    private static final InetAddress WEB4 = address("10.77.0.5");
    private static final InetAddress WEB6 = address("fd00:1000::1005");
    private static final InetAddress LOOPBACK = address("127.0.0.1");

    /** net-a has "web" and "many"; net-b has only "db". */
    private final Map<String, Map<String, List<InetAddress>>> names = Map.of(
            "net-a", Map.of("web", List.of(WEB4, WEB6),
                    "many", IntStream.range(1, 101).mapToObj(i -> address("10.77.1." + i)).toList()),
            "net-b", Map.of("db", List.of(address("10.78.0.9"))));
    private final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final RecordingThreads threads = new RecordingThreads();
    private final DnsServer server = new DnsServer((network, name) -> {
        asked.add(network + "/" + name);
        return names.getOrDefault(network, Map.of()).getOrDefault(name, List.of());
    }, "vulcan.", List.of(), Duration.ofSeconds(1), Duration.ofSeconds(10), threads);

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void answersAandAaaaForAKnownNameAuthoritatively() throws Exception {
        InetSocketAddress at = listen("net-a", LOOPBACK);

        Message a = DnsClient.query(at, "web.vulcan.", Type.A, false);
        assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(a.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(a.getSection(Section.ANSWER)).singleElement().satisfies(r -> {
            assertThat(((ARecord) r).getAddress()).isEqualTo(WEB4);
            assertThat(r.getTTL()).isEqualTo(LocalZone.TTL);
        });

        Message aaaa = DnsClient.query(at, "web.vulcan.", Type.AAAA, true);
        assertThat(aaaa.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(((AAAARecord) r).getAddress()).isEqualTo(WEB6));
        assertThat(asked).containsOnly("net-a/web");
    }

    @Test
    void namesAreCaseInsensitiveAndAnsweredAsAsked() throws Exception {
        InetSocketAddress at = listen("net-a", LOOPBACK);

        Message reply = DnsClient.query(at, "WeB.VULCAN.", Type.A, false);

        assertThat(reply.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(r.getName().toString()).isEqualTo("WeB.VULCAN."));
        assertThat(asked).containsExactly("net-a/web");
    }

    @Test
    void unknownNameIsNxdomainWithTheZonesSoa() throws Exception {
        InetSocketAddress at = listen("net-a", LOOPBACK);

        Message reply = DnsClient.query(at, "nope.vulcan.", Type.A, false);

        assertThat(reply.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(reply.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(reply.getSection(Section.ANSWER)).isEmpty();
        assertThat(reply.getSection(Section.AUTHORITY)).singleElement()
                .satisfies(r -> assertThat(r.getType()).isEqualTo(Type.SOA));
    }

    @Test
    void otherTypesOfAKnownNameAreEmptyButExist() throws Exception {
        InetSocketAddress at = listen("net-a", LOOPBACK);

        for (int type : List.of(Type.TXT, Type.MX, Type.ANY)) {
            Message reply = DnsClient.query(at, "web.vulcan.", type, false);
            assertThat(reply.getRcode()).as(Type.string(type)).isEqualTo(Rcode.NOERROR);
            assertThat(reply.getSection(Section.ANSWER)).as(Type.string(type)).isEmpty();
        }
        assertThat(DnsClient.query(at, "nope.vulcan.", Type.TXT, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void theApexExistsWithoutAddresses() throws Exception {
        InetSocketAddress at = listen("net-a", LOOPBACK);

        Message a = DnsClient.query(at, "vulcan.", Type.A, false);
        assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(a.getSection(Section.ANSWER)).isEmpty();
        assertThat(DnsClient.query(at, "Vulcan.", Type.SOA, false).getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(r.getType()).isEqualTo(Type.SOA));
        assertThat(asked).isEmpty();
    }

    @Test
    void eachListenerSeesOnlyItsOwnNetwork() throws Exception {
        InetSocketAddress a = listen("net-a", address("127.0.0.2"));
        InetSocketAddress b = listen("net-b", address("127.0.0.3"));

        assertThat(DnsClient.query(a, "web.vulcan.", Type.A, false).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(DnsClient.query(b, "web.vulcan.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(DnsClient.query(b, "db.vulcan.", Type.A, true).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(DnsClient.query(a, "db.vulcan.", Type.A, true).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(asked).containsExactly("net-a/web", "net-b/web", "net-b/db", "net-a/db");
    }

    @Test
    void aNetworkCanListenOnAnIpv4AndAnIpv6Address() throws Exception {
        listen("net-a", LOOPBACK);
        server.listen("net-a", address("::1"), 0);
        List<InetSocketAddress> at = server.addresses("net-a");
        assertThat(at).hasSize(2);

        Message over6 = DnsClient.query(at.get(1), "web.vulcan.", Type.AAAA, false);

        assertThat(over6.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(((AAAARecord) r).getAddress()).isEqualTo(WEB6));
    }

    @Test
    void severalQueriesOnOneTcpConnection() throws Exception {
        InetSocketAddress at = listen("net-a", LOOPBACK);
        Message first = DnsClient.question("web.vulcan.", Type.A);
        Message second = DnsClient.question("nope.vulcan.", Type.A);

        List<byte[]> answers = DnsClient.rawTcp(at, List.of(first.toWire(), second.toWire()));

        Message one = new Message(answers.get(0));
        Message two = new Message(answers.get(1));
        assertThat(one.getHeader().getID()).isEqualTo(first.getHeader().getID());
        assertThat(one.getSection(Section.ANSWER)).hasSize(1);
        assertThat(two.getHeader().getID()).isEqualTo(second.getHeader().getID());
        assertThat(two.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void anIdleTcpConnectionIsClosedByTheServer() throws Exception {
        try (DnsServer quick = new DnsServer((n, q) -> List.of(WEB4), "vulcan", List.of(), Duration.ofSeconds(1),
                Duration.ofMillis(200), threads); Socket socket = new Socket()) {
            quick.listen("net-a", LOOPBACK, 0);
            socket.connect(quick.addresses("net-a").getFirst());
            socket.setSoTimeout(30_000);

            assertThat(socket.getInputStream().read()).as("end of stream, not a client-side timeout").isEqualTo(-1);
        }
    }

    @Test
    void aLargeAnswerIsTruncatedOverUdpAndWholeOverTcp() throws Exception {
        InetSocketAddress at = listen("net-a", LOOPBACK);
        SimpleResolver udp = DnsClient.resolver(at, false, Duration.ofSeconds(10));
        udp.setEDNS(-1);
        udp.setIgnoreTruncation(true);

        Message truncated = udp.send(DnsClient.question("many.vulcan.", Type.A));
        Message whole = DnsClient.query(at, "many.vulcan.", Type.A, true);

        assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(truncated.toWire().length).isLessThanOrEqualTo(512);
        assertThat(whole.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(whole.getSection(Section.ANSWER)).hasSize(100);
    }

    @Test
    void malformedPacketsGetFormerrOrNothingAndTheListenerGoesOn() throws Exception {
        InetSocketAddress at = listen("net-a", LOOPBACK);
        byte[] garbage = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 'b', 'r'};

        assertThat(DnsClient.rawUdp(at, new byte[] {1, 2, 3}, Duration.ofMillis(300))).isNull();
        byte[] reply = DnsClient.rawUdp(at, garbage, Duration.ofSeconds(10));
        byte[] overTcp = DnsClient.rawTcp(at, List.of(garbage)).getFirst();

        for (byte[] answer : List.of(reply, overTcp)) {
            Message parsed = new Message(answer);
            assertThat(parsed.getHeader().getID()).isEqualTo(0x1234);
            assertThat(parsed.getHeader().getFlag(Flags.QR)).isTrue();
            assertThat(parsed.getRcode()).isEqualTo(Rcode.FORMERR);
        }
        byte[] response = garbage.clone();
        response[2] |= (byte) 0x80;
        assertThat(DnsClient.rawUdp(at, response, Duration.ofMillis(300))).as("responses are never answered").isNull();
        assertThat(DnsClient.query(at, "web.vulcan.", Type.A, false).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(DnsClient.query(at, "web.vulcan.", Type.A, true).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void unlistenFreesThePortForTheNextListen() throws Exception {
        InetSocketAddress first = listen("net-a", LOOPBACK);
        assertThat(DnsClient.query(first, "web.vulcan.", Type.A, true).getRcode()).isEqualTo(Rcode.NOERROR);

        server.unlisten("net-a");
        server.unlisten("never-listened");

        assertThat(server.addresses("net-a")).isEmpty();
        try (DatagramSocket udp = new DatagramSocket(first)) {
            assertThat(udp.getLocalPort()).isEqualTo(first.getPort());
        }
        server.listen("net-a", LOOPBACK, first.getPort());
        assertThat(DnsClient.query(first, "web.vulcan.", Type.A, false).getRcode()).isEqualTo(Rcode.NOERROR);
        // A fresh connection: dnsjava's client would reuse its pooled one, which unlisten closed.
        byte[] overTcp = DnsClient.rawTcp(first, List.of(DnsClient.question("web.vulcan.", Type.A).toWire())).getFirst();
        assertThat(new Message(overTcp).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void aPortInUseIsAClearErrorAndLeavesNothingBound() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(0, LOOPBACK)) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> server.listen("net-a", LOOPBACK, port))
                    .isInstanceOf(UnavailableException.class)
                    .hasMessageContaining("127.0.0.1:" + port + "/udp").hasMessageContaining("net-a");
        }
        assertThat(server.addresses("net-a")).isEmpty();
        assertThatThrownBy(() -> server.listen("net-a", address("192.0.2.1"), 0))
                .isInstanceOf(UnavailableException.class).hasMessageContaining("192.0.2.1:0");
    }

    @Test
    void closeEndsAndJoinsEveryThreadItStarted() throws Exception {
        listen("net-a", LOOPBACK);
        listen("net-b", address("::1"));
        InetSocketAddress at = server.addresses("net-a").getFirst();
        assertThat(DnsClient.query(at, "web.vulcan.", Type.A, false).getRcode()).isEqualTo(Rcode.NOERROR);
        List<Socket> idle = new ArrayList<>();
        try {
            // A TCP client that connects and then says nothing holds a connection thread until close.
            Socket socket = new Socket();
            socket.connect(at);
            idle.add(socket);
            DnsClient.rawTcp(at, List.of(DnsClient.question("web.vulcan.", Type.A).toWire()));
            assertThat(threads.started.stream().filter(Thread::isAlive).count()).isGreaterThanOrEqualTo(5);

            server.close();

            assertThat(threads.started).isNotEmpty().noneMatch(Thread::isAlive);
            assertThatThrownBy(() -> server.listen("net-c", LOOPBACK, 0)).isInstanceOf(IllegalStateException.class);
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void theDomainIsValidated() {
        assertThat(DnsServer.domainName("vulcan").toString()).isEqualTo("vulcan.");
        assertThat(DnsServer.domainName("Cluster.Vulcan.").toString()).isEqualTo("Cluster.Vulcan.");
        for (String bad : List.of("", ".", "a..b", "with space", "x/y")) {
            assertThatThrownBy(() -> DnsServer.domainName(bad)).as(bad).isInstanceOf(InvalidException.class);
        }
        assertThatThrownBy(() -> new DnsServer((n, q) -> List.of(), "vulcan", List.of(), Duration.ZERO))
                .isInstanceOf(InvalidException.class);
    }

    private InetSocketAddress listen(String network, InetAddress address) {
        server.listen(network, address, 0);
        return server.addresses(network).getLast();
    }

    private static InetAddress address(String literal) {
        return dev.vulcan.daemon.net.IpPrefix.literal(literal);
    }

}
