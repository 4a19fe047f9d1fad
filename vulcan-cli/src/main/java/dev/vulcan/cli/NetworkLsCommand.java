package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** vulcan network ls: GET /v1/networks. */
final class NetworkLsCommand extends Subcommand {

    NetworkLsCommand(VulcanCommand root) {
        super(root, "ls", "List the node's networks, their subnets and what is attached to them.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get("/v1/networks"), this::print);
    }

    private void print(JsonNode list, PrintWriter out) {
        Instant now = root.environment().clock().instant();
        Table table = new Table("NAME", "BRIDGE", "SUBNET", "IPV6 SUBNET", "ATTACHED", "CREATED");
        for (JsonNode network : Fields.elements(list.get("networks"))) {
            table.add(Fields.text(network, "name"), Fields.text(network, "bridge"), Fields.text(network, "subnet"),
                    Fields.text(network, "ipv6_subnet"), NetworkCommand.members(network),
                    Formats.age(Fields.instant(network, "created_at"), now));
        }
        table.print(out);
    }
}
