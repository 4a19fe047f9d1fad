package dev.vulcan.daemon.net;

import dev.vulcan.daemon.error.InvalidException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A published port: connections to {@code hostIp:hostPort} (every host address when hostIp is null) reach
 * {@code containerPort} of the sandbox. Written like Docker's {@code -p [HOSTIP:]HOSTPORT:PORT[/PROTO]}.
 */
public record PublishedPort(InetAddress hostIp, int hostPort, int containerPort, String protocol) {

    private static final Pattern FORM = Pattern.compile(
            "(?:(?<ip>\\[[0-9a-fA-F:.]+]|[0-9.]+):)?(?<host>\\d{1,5}):(?<ctr>\\d{1,5})(?:/(?<proto>[a-zA-Z]+))?");

    public PublishedPort {
        if (hostPort < 1 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) {
            throw invalid("ports must be between 1 and 65535, got " + hostPort + ":" + containerPort);
        }
        if (!protocol.equals("tcp") && !protocol.equals("udp")) {
            throw invalid("protocol must be tcp or udp, got '" + protocol + "'");
        }
    }

    public static PublishedPort parse(String text) {
        Matcher m = text == null ? null : FORM.matcher(text.strip());
        if (m == null || !m.matches()) {
            throw invalid("'" + text + "' is not a published port: use [HOSTIP:]HOSTPORT:PORT[/tcp|udp]");
        }
        String ip = m.group("ip");
        InetAddress hostIp;
        try {
            hostIp = ip == null ? null : IpPrefix.literal(ip.startsWith("[") ? ip.substring(1, ip.length() - 1) : ip);
        } catch (InvalidException e) {
            throw invalid("'" + text + "' has no valid host address: " + e.getMessage());
        }
        String proto = m.group("proto") == null ? "tcp" : m.group("proto").toLowerCase(Locale.ROOT);
        return new PublishedPort(hostIp, Integer.parseInt(m.group("host")), Integer.parseInt(m.group("ctr")), proto);
    }

    /** Whether both claim the same host port: same protocol and port, and one address covers the other. */
    public boolean clashes(PublishedPort other) {
        return protocol.equals(other.protocol) && hostPort == other.hostPort
                && (hostIp == null || other.hostIp == null || hostIp.equals(other.hostIp));
    }

    /** Fails when two ports of one sandbox claim the same host port. */
    public static void requireDistinct(java.util.List<PublishedPort> ports) {
        for (int i = 0; i < ports.size(); i++) {
            for (int j = i + 1; j < ports.size(); j++) {
                if (ports.get(i).clashes(ports.get(j))) {
                    throw invalid("published ports " + ports.get(i) + " and " + ports.get(j) + " claim the same host port");
                }
            }
        }
    }

    @Override
    public String toString() {
        String ip = hostIp == null ? "" : hostIp instanceof Inet6Address ? "[" + IpPrefix.text(hostIp) + "]:"
                : IpPrefix.text(hostIp) + ":";
        return ip + hostPort + ":" + containerPort + "/" + protocol;
    }

    private static InvalidException invalid(String message) {
        return new InvalidException("invalid_port", message);
    }
}
