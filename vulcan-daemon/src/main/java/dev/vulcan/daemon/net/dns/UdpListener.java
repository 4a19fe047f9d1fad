package dev.vulcan.daemon.net.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One UDP socket: a receive loop, and each query answered on its own thread so a slow upstream does not hold up
 * the names we answer ourselves. Closing joins the loop and every query thread.
 */
final class UdpListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UdpListener.class);
    /** Queries in flight per socket; beyond this packets are dropped and the client's retry comes later. */
    static final int MAX_IN_FLIGHT = 256;

    private final DatagramSocket socket;
    private final String network;
    private final QueryHandler handler;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Workers queries;
    private final Thread loop;

    UdpListener(DatagramSocket socket, String network, QueryHandler handler, ThreadFactory threads) {
        this.socket = socket;
        this.network = network;
        this.handler = handler;
        this.queries = new Workers(threads);
        this.loop = threads.newThread(this::receive);
        loop.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void receive() {
        byte[] buffer = new byte[Replies.MAX_TCP];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    log.atDebug().addKeyValue("address", address()).addKeyValue("error", e.toString())
                            .log("DNS receive failed");
                }
                continue;
            }
            if (!inFlight.tryAcquire()) {
                log.atDebug().addKeyValue("address", address()).log("DNS query dropped: too many in flight");
                continue;
            }
            byte[] query = Arrays.copyOf(buffer, packet.getLength());
            SocketAddress client = packet.getSocketAddress();
            if (!queries.start(() -> answer(query, client))) {
                inFlight.release();
                return;
            }
        }
    }

    private void answer(byte[] query, SocketAddress client) {
        try {
            handler.answer(network, query, false).ifPresent(reply -> send(reply, client));
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("network", network).log("DNS query failed");
        } finally {
            inFlight.release();
        }
    }

    private void send(byte[] reply, SocketAddress client) {
        try {
            socket.send(new DatagramPacket(reply, reply.length, client));
        } catch (IOException e) {
            if (!socket.isClosed()) {
                log.atDebug().addKeyValue("client", client).addKeyValue("error", e.toString()).log("DNS reply not sent");
            }
        }
    }

    @Override
    public void close() {
        socket.close();
        Threads.join(loop);
        // Queries waiting on an upstream are interrupted and joined.
        queries.close();
    }
}
