package dev.vulcan.cli;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** vulcan network: the group of commands on bridge networks; alone it prints its usage. */
final class NetworkCommand extends CommandGroup {

    NetworkCommand(VulcanCommand root) {
        super(root, "network", "Manage bridge networks: dual-stack subnets that instances join, isolated from each other.",
                new NetworkCreateCommand(root), new NetworkLsCommand(root),
                new NetworkInspectCommand(root), new NetworkRmCommand(root));
    }

    /** /v1/networks/{name}, the name percent-encoded as one path segment. */
    static String path(String name) {
        return "/v1/networks/" + DaemonClient.encode(name);
    }

    /** "web, db"; null when nothing is attached. */
    static String members(JsonNode network) {
        var names = Fields.texts(network, "instances");
        return names.isEmpty() ? null : String.join(", ", names);
    }

    /** The headless table of one network, as inspect prints it. */
    static Table details(JsonNode network, Instant now) {
        return Table.headless(2)
                .add("name:", Fields.text(network, "name"))
                .add("default:", network.path("is_default").asBoolean(false) ? "yes" : "no")
                .add("bridge:", Fields.text(network, "bridge"))
                .add("subnet:", Fields.text(network, "subnet"))
                .add("gateway:", Fields.text(network, "gateway"))
                .add("ipv6 subnet:", Fields.text(network, "ipv6_subnet"))
                .add("ipv6 gateway:", Fields.text(network, "ipv6_gateway"))
                .add("attached:", members(network))
                .add("created:", Formats.instant(Fields.instant(network, "created_at"), now));
    }
}
