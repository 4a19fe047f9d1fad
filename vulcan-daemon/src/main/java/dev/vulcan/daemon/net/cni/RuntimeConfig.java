package dev.vulcan.daemon.net.cni;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The dynamic per-attachment values a runtime hands to plugins that declare the matching capability
 * (CNI conventions: {@code portMappings}).
 */
public record RuntimeConfig(List<PortMapping> portMappings) {

    public static final RuntimeConfig NONE = new RuntimeConfig(List.of());

    public RuntimeConfig {
        portMappings = portMappings == null ? List.of() : List.copyOf(portMappings);
    }

    /**
     * Capability name to value, only for the values actually supplied: an empty list is "not supplied",
     * so a capable plugin sees no {@code runtimeConfig} at all rather than an empty one.
     */
    Map<String, JsonNode> capabilityArgs() {
        Map<String, JsonNode> args = new LinkedHashMap<>();
        if (!portMappings.isEmpty()) {
            ArrayNode ports = JsonNodeFactory.instance.arrayNode();
            portMappings.forEach(p -> ports.add(p.toJson()));
            args.put("portMappings", ports);
        }
        return args;
    }
}
