package dev.vulcan.daemon.net.cni;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A CNI network configuration list (spec 1.0): the plugins run in order for ADD and CHECK, in reverse for
 * DEL. Plugin objects are copied in and out, so a list never changes after construction.
 */
public record CniConfigList(String cniVersion, String name, List<ObjectNode> plugins) {

    public static final String VERSION = "1.0.0";

    public CniConfigList {
        if (cniVersion == null || cniVersion.isBlank()) {
            throw invalid("a CNI configuration list needs a cniVersion");
        }
        // The spec: network names are alphanumeric with optional '_', '.' and '-' and start with a letter or digit.
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]*")) {
            throw invalid("network name '" + name + "' must start with a letter or digit and contain only letters, digits, '_', '.' and '-'");
        }
        if (plugins == null || plugins.isEmpty()) {
            throw invalid("network '" + name + "' has no plugins");
        }
        List<ObjectNode> copies = new ArrayList<>();
        for (ObjectNode plugin : plugins) {
            String type = plugin.path("type").asString("");
            if (!type.matches("[A-Za-z0-9_.\\-]+") || type.equals(".") || type.equals("..")) {
                throw invalid("network '" + name + "' has a plugin with an invalid type '" + type + "'");
            }
            copies.add(plugin.deepCopy());
        }
        plugins = List.copyOf(copies);
    }

    public CniConfigList(String name, List<ObjectNode> plugins) {
        this(VERSION, name, plugins);
    }

    @Override
    public List<ObjectNode> plugins() {
        return plugins.stream().map(ObjectNode::deepCopy).toList();
    }

    /** The plugin binaries this list runs, in order. */
    public List<String> pluginTypes() {
        return plugins.stream().map(p -> p.path("type").asString()).toList();
    }

    /** How many plugins the list runs. */
    public int size() {
        return plugins.size();
    }

    ObjectNode plugin(int index) {
        return plugins.get(index).deepCopy();
    }

    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode().put("cniVersion", cniVersion).put("name", name);
        ArrayNode array = root.putArray("plugins");
        plugins.forEach(p -> array.add(p.deepCopy()));
        return root;
    }

    public static CniConfigList parse(JsonNode json) {
        List<ObjectNode> plugins = new ArrayList<>();
        for (JsonNode plugin : json.path("plugins")) {
            if (!(plugin instanceof ObjectNode object)) {
                throw invalid("every entry of 'plugins' must be an object");
            }
            plugins.add(object);
        }
        return new CniConfigList(json.path("cniVersion").asString(""), json.path("name").asString(""), plugins);
    }

    /**
     * Vulcan's standard chain: bridge (gateway, hairpin, no masquerade: ipMasq would masquerade IPv6 as
     * well, so the network service adds an IPv4-only one), host-local IPAM with one range set per family,
     * portmap for published ports, firewall to admit the container's traffic through the FORWARD chain.
     */
    public static CniConfigList bridgeNetwork(BridgeConfig c) {
        return bridgeNetwork(c, true);
    }

    /**
     * The chain without the firewall plugin when {@code firewallPlugin} is false: for a runtime that admits its
     * networks' traffic itself, per network rather than per container (the plugin's iptables calls cost about
     * 115 ms per ADD+DEL here, two thirds of the chain).
     */
    public static CniConfigList bridgeNetwork(BridgeConfig c, boolean firewallPlugin) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode ipam = f.objectNode().put("type", "host-local");
        ArrayNode ranges = ipam.putArray("ranges");
        ranges.addArray().addObject()
                .put("subnet", c.ipv4Subnet().toString())
                .put("rangeStart", IpPrefix.text(c.ipv4Subnet().address(2)))
                .put("gateway", IpPrefix.text(c.ipv4Gateway()));
        if (c.ipv6Subnet() != null) {
            // Hosts from ::1000 keep the low addresses free for the gateway and child-node uplinks (::1:k).
            ranges.addArray().addObject()
                    .put("subnet", c.ipv6Subnet().toString())
                    .put("rangeStart", IpPrefix.text(c.ipv6Subnet().address(0x1000)))
                    .put("rangeEnd", IpPrefix.text(c.ipv6Subnet().address(0xffff)))
                    .put("gateway", IpPrefix.text(c.ipv6Gateway()));
        }
        ArrayNode routes = ipam.putArray("routes");
        routes.addObject().put("dst", "0.0.0.0/0");
        if (c.ipv6Subnet() != null) {
            routes.addObject().put("dst", "::/0");
        }
        ipam.put("dataDir", c.ipamDataDir().toString());

        ObjectNode bridge = f.objectNode().put("type", "bridge").put("bridge", c.bridge())
                .put("isGateway", true).put("ipMasq", false).put("hairpinMode", true);
        bridge.set("ipam", ipam);
        ObjectNode portmap = f.objectNode().put("type", "portmap").put("snat", true);
        portmap.putObject("capabilities").put("portMappings", true);
        ObjectNode firewall = f.objectNode().put("type", "firewall").put("backend", "iptables");
        return new CniConfigList(c.network(), firewallPlugin ? List.of(bridge, portmap, firewall) : List.of(bridge, portmap));
    }

    private static InvalidException invalid(String message) {
        return new InvalidException("invalid_network", message);
    }
}
