package dev.vulcan.daemon.net.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Rcode;

/**
 * Relays a query to the upstream resolvers in order, UDP first and TCP when the UDP answer is truncated, all within
 * one deadline. Each upstream gets a fair share of the time left so a dead first server cannot starve the rest.
 */
final class Forwarder {

    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

    private final List<InetSocketAddress> upstreams;
    private final Duration timeout;
    /** Unpredictable query ids (with the random source port) keep off-path spoofers out. */
    private final RandomGenerator ids = new SecureRandom();

    Forwarder(List<InetSocketAddress> upstreams, Duration timeout) {
        this.upstreams = List.copyOf(upstreams);
        this.timeout = timeout;
    }

    /** The upstream's answer (carrying the id we chose), or empty when none answered in time. */
    Optional<byte[]> forward(byte[] query) {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] fallback = null;
        for (int i = 0; i < upstreams.size(); i++) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0 || Thread.currentThread().isInterrupted()) {
                break;
            }
            InetSocketAddress upstream = upstreams.get(i);
            long slotEnd = System.nanoTime() + remaining / (upstreams.size() - i);
            int id = ids.nextInt(0x10000);
            byte[] sent = Replies.withId(query, id);
            try {
                byte[] answer = udp(upstream, sent, id, slotEnd);
                if (Replies.truncated(answer)) {
                    // Keep the truncated answer in case TCP fails: the client may still make use of it.
                    fallback = answer;
                    answer = tcp(upstream, sent, id, slotEnd);
                }
                int rcode = Replies.rcode(answer);
                if (rcode == Rcode.SERVFAIL || rcode == Rcode.REFUSED || rcode == Rcode.NOTIMP) {
                    // As the stub resolvers do: another server may know better; relay this one if none does.
                    fallback = fallback == null ? answer : fallback;
                    continue;
                }
                return Optional.of(answer);
            } catch (IOException e) {
                log.atDebug().addKeyValue("upstream", upstream).addKeyValue("error", e.toString())
                        .log("upstream did not answer");
            }
        }
        return Optional.ofNullable(fallback);
    }

    private static byte[] udp(InetSocketAddress upstream, byte[] query, int id, long slotEnd) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            // Connected: only the upstream's packets reach us, and an ICMP "port unreachable" fails fast.
            socket.connect(upstream);
            socket.send(new DatagramPacket(query, query.length));
            byte[] buffer = new byte[Replies.MAX_TCP];
            while (true) {
                socket.setSoTimeout(millisUntil(slotEnd));
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                if (packet.getLength() >= 12 && Replies.id(buffer) == id && Replies.isResponse(buffer)) {
                    return Arrays.copyOf(buffer, packet.getLength());
                }
            }
        }
    }

    private static byte[] tcp(InetSocketAddress upstream, byte[] query, int id, long slotEnd) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(upstream, millisUntil(slotEnd));
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(Framing.frame(query));
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            while (true) {
                socket.setSoTimeout(millisUntil(slotEnd));
                byte[] answer = new byte[in.readUnsignedShort()];
                socket.setSoTimeout(millisUntil(slotEnd));
                in.readFully(answer);
                if (answer.length >= 12 && Replies.id(answer) == id && Replies.isResponse(answer)) {
                    return answer;
                }
            }
        }
    }

    /** Socket timeouts in whole milliseconds, never 0 (which would mean "wait forever"). */
    private static int millisUntil(long deadlineNanos) throws SocketTimeoutException {
        long millis = Duration.ofNanos(deadlineNanos - System.nanoTime()).toMillis();
        if (millis <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }
}
