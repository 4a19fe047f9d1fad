package dev.vulcan.daemon.net.dns;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP socket: an accept loop and a thread per connection, which answers length-prefixed queries one after
 * another until the client closes or stays idle too long. Closing closes every connection and joins every thread.
 */
final class TcpListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpListener.class);
    /** Open connections per socket; more are closed at once (DNS over TCP is the rare path). */
    static final int MAX_CONNECTIONS = 64;

    private final ServerSocket server;
    private final String network;
    private final QueryHandler handler;
    private final int idleMillis;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Workers connections;
    private final Thread loop;

    TcpListener(ServerSocket server, String network, QueryHandler handler, Duration idle, ThreadFactory threads) {
        this.server = server;
        this.network = network;
        this.handler = handler;
        this.idleMillis = (int) Math.max(1, idle.toMillis());
        this.connections = new Workers(threads);
        this.loop = threads.newThread(this::accept);
        loop.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket connection;
            try {
                connection = server.accept();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.atDebug().addKeyValue("address", address()).addKeyValue("error", e.toString())
                            .log("DNS accept failed");
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                closeQuietly(connection);
                continue;
            }
            open.add(connection);
            if (!connections.start(() -> serve(connection))) {
                release(connection);
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (connection) {
            connection.setSoTimeout(idleMillis);
            connection.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(connection.getInputStream());
            OutputStream out = connection.getOutputStream();
            while (true) {
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                Optional<byte[]> reply = handler.answer(network, query, true);
                if (reply.isEmpty()) {
                    return; // not even a header to answer: this client does not speak DNS
                }
                out.write(Framing.frame(reply.get()));
                out.flush();
            }
        } catch (EOFException | SocketTimeoutException done) {
            // the client is finished, or idle past the limit
        } catch (IOException e) {
            if (!server.isClosed()) {
                log.atDebug().addKeyValue("network", network).addKeyValue("error", e.toString())
                        .log("DNS TCP connection failed");
            }
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("network", network).log("DNS query failed");
        } finally {
            release(connection);
        }
    }

    private void release(Socket connection) {
        if (open.remove(connection)) {
            slots.release();
        }
        closeQuietly(connection);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        Threads.join(loop);
        open.forEach(TcpListener::closeQuietly);
        connections.close();
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }
}
