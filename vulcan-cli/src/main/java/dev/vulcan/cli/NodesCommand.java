package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** vulcan nodes: GET /v1/nodes. */
final class NodesCommand extends Subcommand {

    NodesCommand(VulcanCommand root) {
        super(root, "nodes",
                "List the nodes, their capacity and what the running workloads take of it.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get("/v1/nodes"), this::print);
    }

    private void print(JsonNode nodes, PrintWriter out) {
        Instant now = root.environment().clock().instant();
        Table table = new Table("ID", "HOSTNAME", "ADDRESS", "STATUS", "CPUS", "MEMORY", "RUNNING", "BACKENDS", "LAST SEEN");
        for (JsonNode node : Fields.elements(nodes)) {
            List<String> backends = Fields.texts(node, "backends");
            table.add(Fields.text(node, "id"), Fields.text(node, "hostname"), Fields.text(node, "address"),
                    Fields.text(node, "status"),
                    Fields.number(node, "cpus_used") + "/" + Fields.number(node, "cpus_total"),
                    Fields.number(node, "mem_used_mb") + "/" + Fields.number(node, "mem_total_mb") + " MB",
                    Fields.number(node, "workloads_running"),
                    backends.isEmpty() ? null : String.join(",", backends),
                    Formats.age(Fields.instant(node, "last_seen"), now));
        }
        table.print(out);
    }
}
