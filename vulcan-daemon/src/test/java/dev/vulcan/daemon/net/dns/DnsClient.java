package dev.vulcan.daemon.net.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;

/** A test client: dnsjava's SimpleResolver for well-formed queries, raw sockets for everything else. */
final class DnsClient {

    private DnsClient() {}

    static Message query(InetSocketAddress server, String name, int type, boolean tcp) throws IOException {
        return resolver(server, tcp, Duration.ofSeconds(10)).send(question(name, type));
    }

    static SimpleResolver resolver(InetSocketAddress server, boolean tcp, Duration timeout) {
        SimpleResolver resolver = new SimpleResolver(server);
        resolver.setTCP(tcp);
        resolver.setTimeout(timeout);
        return resolver;
    }

    static Message question(String name, int type) {
        return Message.newQuery(Record.newRecord(Name.fromConstantString(name), type, DClass.IN));
    }

    /** Sends raw bytes over UDP and returns the first datagram back, or null when none comes within the wait. */
    static byte[] rawUdp(InetSocketAddress server, byte[] packet, Duration wait) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.setSoTimeout((int) wait.toMillis());
            socket.send(new DatagramPacket(packet, packet.length));
            byte[] buffer = new byte[65535];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(reply);
            } catch (java.net.SocketTimeoutException none) {
                return null;
            }
            return Arrays.copyOf(buffer, reply.getLength());
        }
    }

    /** Sends several length-prefixed messages on one TCP connection and reads as many answers. */
    static List<byte[]> rawTcp(InetSocketAddress server, List<byte[]> messages) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, 5000);
            socket.setSoTimeout(10_000);
            for (byte[] message : messages) {
                socket.getOutputStream().write(Framing.frame(message));
            }
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            List<byte[]> answers = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                byte[] answer = new byte[in.readUnsignedShort()];
                in.readFully(answer);
                answers.add(answer);
            }
            return answers;
        }
    }
}
