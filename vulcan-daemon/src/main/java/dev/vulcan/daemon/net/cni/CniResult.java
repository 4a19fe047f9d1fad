package dev.vulcan.daemon.net.cni;

import dev.vulcan.daemon.net.IpPrefix;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** The result of an ADD (spec 1.0 "Success" result), parsed from the last plugin's output. */
public record CniResult(String cniVersion, List<Interface> interfaces, List<IpConfig> ips, List<Route> routes, Dns dns) {

    public CniResult {
        interfaces = List.copyOf(interfaces);
        ips = List.copyOf(ips);
        routes = List.copyOf(routes);
        dns = dns == null ? Dns.EMPTY : dns;
    }

    /** {@code sandbox} is the netns path for interfaces inside the container, null for host-side ones. */
    public record Interface(String name, String mac, String sandbox) {}

    /**
     * One address: {@code address} in CIDR form with the host bits (e.g. 10.250.1.2/24), the subnet's
     * gateway if any, and the index into {@link #interfaces()} if the plugin said which.
     */
    public record IpConfig(String address, String gateway, Integer interfaceIndex) {

        public IpConfig {
            int slash = address == null ? -1 : address.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("CNI ip address '" + address + "' is not in CIDR form");
            }
            IpPrefix.literal(address.substring(0, slash));
        }

        public InetAddress ip() {
            return IpPrefix.literal(address.substring(0, address.indexOf('/')));
        }

        public int prefixLength() {
            return Integer.parseInt(address.substring(address.indexOf('/') + 1));
        }

        public Optional<InetAddress> gatewayAddress() {
            return gateway == null ? Optional.empty() : Optional.of(IpPrefix.literal(gateway));
        }
    }

    public record Route(String dst, String gw) {}

    public record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {
        static final Dns EMPTY = new Dns(List.of(), null, List.of(), List.of());

        public Dns {
            nameservers = List.copyOf(nameservers);
            search = List.copyOf(search);
            options = List.copyOf(options);
        }
    }

    /** The first IPv4 address, preferring one on a container-side interface. */
    public Optional<InetAddress> ipv4() {
        return first(Inet4Address.class);
    }

    /** The first IPv6 address, preferring one on a container-side interface. */
    public Optional<InetAddress> ipv6() {
        return first(Inet6Address.class);
    }

    private Optional<InetAddress> first(Class<? extends InetAddress> family) {
        InetAddress fallback = null;
        for (IpConfig ip : ips) {
            InetAddress address = ip.ip();
            if (!family.isInstance(address)) {
                continue;
            }
            Integer index = ip.interfaceIndex();
            if (index != null && index >= 0 && index < interfaces.size() && interfaces.get(index).sandbox() != null) {
                return Optional.of(address);
            }
            if (fallback == null) {
                fallback = address;
            }
        }
        return Optional.ofNullable(fallback);
    }

    /** Parses a result; unknown keys are ignored (plugins may add their own). */
    public static CniResult parse(JsonNode node) {
        List<Interface> interfaces = new ArrayList<>();
        for (JsonNode i : node.path("interfaces")) {
            interfaces.add(new Interface(i.path("name").asString(""), text(i, "mac"), text(i, "sandbox")));
        }
        List<IpConfig> ips = new ArrayList<>();
        for (JsonNode ip : node.path("ips")) {
            JsonNode index = ip.path("interface");
            ips.add(new IpConfig(ip.path("address").asString(""), text(ip, "gateway"), index.isNumber() ? index.asInt() : null));
        }
        List<Route> routes = new ArrayList<>();
        for (JsonNode r : node.path("routes")) {
            routes.add(new Route(r.path("dst").asString(""), text(r, "gw")));
        }
        JsonNode d = node.path("dns");
        Dns dns = new Dns(strings(d.path("nameservers")), text(d, "domain"), strings(d.path("search")), strings(d.path("options")));
        return new CniResult(node.path("cniVersion").asString(""), interfaces, ips, routes, dns);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isString() && !value.asString().isEmpty() ? value.asString() : null;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString("")));
        return out;
    }
}
