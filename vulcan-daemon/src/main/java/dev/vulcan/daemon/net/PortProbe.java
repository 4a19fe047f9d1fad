package dev.vulcan.daemon.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Whether a host port is free. The portmap plugin forwards with DNAT and never binds, so a port some host
 * program listens on would silently shadow it (or be shadowed): Vulcan refuses to publish such a port.
 */
@FunctionalInterface
public interface PortProbe {

    boolean free(PublishedPort port);

    /** Binds the port for a moment, on its host address or on every address. */
    PortProbe BIND = port -> {
        InetSocketAddress address = port.hostIp() == null ? new InetSocketAddress(port.hostPort())
                : new InetSocketAddress(port.hostIp(), port.hostPort());
        try {
            if (port.protocol().equals("udp")) {
                try (DatagramSocket socket = new DatagramSocket(null)) {
                    socket.bind(address);
                }
            } else {
                try (ServerSocket socket = new ServerSocket()) {
                    socket.bind(address);
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    };

    /** Whether {@code address} is one this host has (a published port on another host's address is a typo). */
    static boolean local(InetAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
