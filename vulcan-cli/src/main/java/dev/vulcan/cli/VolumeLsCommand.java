package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** vulcan volume ls: GET /v1/volumes. */
final class VolumeLsCommand extends Subcommand {

    VolumeLsCommand(VulcanCommand root) {
        super(root, "ls", "List the node's named volumes and the instances that mount them.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get("/v1/volumes"), this::print);
    }

    private void print(JsonNode list, PrintWriter out) {
        Instant now = root.environment().clock().instant();
        Table table = new Table("NAME", "USED BY", "CREATED");
        for (JsonNode volume : Fields.elements(list.get("volumes"))) {
            table.add(Fields.text(volume, "name"), VolumeCommand.usedBy(volume),
                    Formats.age(Fields.instant(volume, "created_at"), now));
        }
        table.print(out);
    }
}
