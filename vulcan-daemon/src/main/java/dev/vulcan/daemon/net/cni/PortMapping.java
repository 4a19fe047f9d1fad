package dev.vulcan.daemon.net.cni;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.net.IpPrefix;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** One published port as the portmap plugin's {@code portMappings} capability expects it. */
public record PortMapping(int hostPort, int containerPort, String protocol, String hostIp) {

    public PortMapping {
        if (hostPort < 1 || hostPort > 65535) {
            throw new InvalidException("invalid_port", "host port " + hostPort + " is outside 1-65535");
        }
        if (containerPort < 1 || containerPort > 65535) {
            throw new InvalidException("invalid_port", "container port " + containerPort + " is outside 1-65535");
        }
        if (!"tcp".equals(protocol) && !"udp".equals(protocol)) {
            throw new InvalidException("invalid_port", "protocol '" + protocol + "' must be tcp or udp");
        }
        if (hostIp != null) {
            hostIp = IpPrefix.text(IpPrefix.literal(hostIp));
        }
    }

    public static PortMapping tcp(int hostPort, int containerPort) {
        return new PortMapping(hostPort, containerPort, "tcp", null);
    }

    ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode()
                .put("hostPort", hostPort).put("containerPort", containerPort).put("protocol", protocol);
        if (hostIp != null) {
            node.put("hostIP", hostIp);
        }
        return node;
    }
}
