package dev.vulcan.cli;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;

/** vulcan nodes: GET /v1/nodes. */
final class NodesCommand implements Callable<Integer> {
    private final VulcanCommand root;
    private final CommandSpec spec;

    NodesCommand(VulcanCommand root) {
        this.root = root;
        this.spec = Specs.command("nodes", this,
                "List the nodes, their capacity and what the running workloads take of it.");
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        ApiReply reply = root.client().get("/v1/nodes");
        if (root.json()) {
            root.out().println(reply.pretty());
            root.out().flush();
            return 0;
        }
        Instant now = root.environment().clock().instant();
        Table table = new Table("ID", "HOSTNAME", "ADDRESS", "STATUS", "CPUS", "MEMORY", "RUNNING", "BACKENDS", "LAST SEEN");
        for (JsonNode node : Fields.elements(reply.tree())) {
            List<String> backends = Fields.texts(node, "backends");
            table.add(Fields.text(node, "id"), Fields.text(node, "hostname"), Fields.text(node, "address"),
                    Fields.text(node, "status"),
                    Fields.number(node, "cpus_used") + "/" + Fields.number(node, "cpus_total"),
                    Fields.number(node, "mem_used_mb") + "/" + Fields.number(node, "mem_total_mb") + " MB",
                    Fields.number(node, "workloads_running"),
                    backends.isEmpty() ? null : String.join(",", backends),
                    Formats.age(Fields.instant(node, "last_seen"), now));
        }
        table.print(root.out());
        return 0;
    }
}
