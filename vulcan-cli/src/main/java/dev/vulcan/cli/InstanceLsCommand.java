package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** vulcan ps, vulcan instance ls: GET /v1/instances, oldest first, whatever their status. */
final class InstanceLsCommand extends Subcommand {

    InstanceLsCommand(VulcanCommand root, String name) {
        super(root, name, "List the node's instances, running or not, oldest first.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get("/v1/instances"), this::print);
    }

    private void print(JsonNode list, PrintWriter out) {
        print(list, root.environment().clock().instant(), out);
    }

    static void print(JsonNode list, Instant now, PrintWriter out) {
        Table table = new Table("NAME", "STATUS", "IMAGE", "COMMAND", "RESTARTS", "CREATED", "PORTS");
        for (JsonNode instance : Fields.elements(list.get("instances"))) {
            table.add(Fields.text(instance, "name"),
                    InstanceCommand.status(instance),
                    Fields.text(instance, "image"),
                    InstanceCommand.command(instance, true),
                    Fields.number(instance, "restart_count"),
                    Formats.age(Fields.instant(instance, "created_at"), now),
                    String.join(", ", Fields.texts(instance, "ports")));
        }
        table.print(out);
    }
}
