package dev.vulcan.daemon.net.dns;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.net.IpPrefix;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading the host's resolv.conf (for the upstreams) and writing the one containers get. */
public final class ResolvConf {

    private static final Logger log = LoggerFactory.getLogger(ResolvConf.class);
    private static final int DNS_PORT = 53;
    /** Anything else in the file is a name to look up, which is exactly what we must not do here. */
    private static final String LITERAL = "[0-9A-Fa-f:.]+";

    private ResolvConf() {}

    /**
     * The {@code nameserver} lines of a resolv.conf-style file, in order, port 53, duplicates dropped. Comments
     * ({@code #} or {@code ;} to the end of a line), other keywords and entries that are not IP literals are skipped,
     * as the C library does; an IPv6 link-local address keeps its {@code %scope}.
     *
     * @throws IOException when the file cannot be read (a missing file included: the caller decides what that means)
     */
    public static List<InetSocketAddress> nameservers(Path file) throws IOException {
        Set<InetSocketAddress> found = new LinkedHashSet<>();
        for (String line : Files.readAllLines(file)) {
            String[] words = uncommented(line).strip().split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue;
            }
            InetAddress address = address(words[1]);
            if (address == null) {
                log.atDebug().addKeyValue("file", file).addKeyValue("entry", words[1]).log("nameserver skipped");
            } else {
                found.add(new InetSocketAddress(address, DNS_PORT));
            }
        }
        return List.copyOf(found);
    }

    private static String uncommented(String line) {
        int hash = line.indexOf('#');
        int semicolon = line.indexOf(';');
        int cut = hash < 0 ? semicolon : semicolon < 0 ? hash : Math.min(hash, semicolon);
        return cut < 0 ? line : line.substring(0, cut);
    }

    /** An IP literal, IPv6 optionally with a scope (interface name or number); null for anything else. */
    private static InetAddress address(String text) {
        int percent = text.indexOf('%');
        String literal = percent < 0 ? text : text.substring(0, percent);
        if (!literal.matches(LITERAL)) {
            return null;
        }
        try {
            InetAddress address = InetAddress.getByName(literal);
            if (percent < 0) {
                return address;
            }
            // A scope only means something on IPv6; an unknown interface name fails here, as it would in use.
            return address instanceof Inet6Address ? InetAddress.getByName(text) : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * A resolv.conf for a container: its nameservers (usually the network's gateway addresses), search domains
     * and options (e.g. {@code ndots:1}), one keyword per line as the C library and musl read them.
     */
    public static String render(List<InetAddress> nameservers, List<String> search, List<String> options) {
        StringBuilder text = new StringBuilder("# written by vulcan\n");
        for (InetAddress server : nameservers) {
            text.append("nameserver ").append(IpPrefix.text(server));
            if (server instanceof Inet6Address v6 && v6.getScopedInterface() != null) {
                text.append('%').append(v6.getScopedInterface().getName());
            } else if (server instanceof Inet6Address v6 && v6.getScopeId() != 0) {
                text.append('%').append(v6.getScopeId());
            }
            text.append('\n');
        }
        if (!search.isEmpty()) {
            text.append("search ").append(String.join(" ", words("search domain", search))).append('\n');
        }
        if (!options.isEmpty()) {
            text.append("options ").append(String.join(" ", words("resolver option", options))).append('\n');
        }
        return text.toString();
    }

    /** Each entry must be one non-empty word: a space or newline would change what the file says. */
    private static List<String> words(String what, List<String> entries) {
        List<String> checked = new ArrayList<>();
        for (String entry : entries) {
            if (entry == null || entry.isEmpty() || !entry.matches("[^\\s#;]+")) {
                throw new InvalidException("invalid_resolv_conf", "'" + entry + "' is not a valid " + what);
            }
            checked.add(entry);
        }
        return checked;
    }
}
