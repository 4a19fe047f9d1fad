package dev.vulcan.daemon.net.dns;

import java.net.InetAddress;
import java.util.List;

/** Where the DNS server learns the addresses of the names it is authoritative for. */
@FunctionalInterface
public interface NameLookup {

    /**
     * The addresses of {@code name} on {@code network}, both families; an empty list when the name is unknown there.
     *
     * @param network the network whose listener received the query (names on other networks stay invisible)
     * @param name the lower-cased label(s) below the domain, without a trailing dot: {@code "web"} for
     *     {@code web.vulcan.}
     */
    List<InetAddress> addresses(String network, String name);
}
