package dev.vulcan.cli;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;

/** vulcan status ID: GET /v1/workloads/{id}. */
final class StatusCommand implements Callable<Integer> {
    private final VulcanCommand root;
    private final CommandSpec spec;

    StatusCommand(VulcanCommand root) {
        this.root = root;
        this.spec = Specs.command("status", this, "Show a workload.");
        spec.addPositional(Specs.parameter("ID", "the workload's id"));
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        String id = Specs.parameter(spec);
        DaemonClient client = root.client();
        ApiReply reply = client.get("/v1/workloads/" + DaemonClient.encode(id));
        if (root.json()) {
            root.out().println(reply.pretty());
            root.out().flush();
            return 0;
        }
        JsonNode workload = reply.tree();
        Instant now = root.environment().clock().instant();
        JsonNode output = workload.get("output");
        Table table = Table.headless(2)
                .add("id:", Fields.text(workload, "id"))
                .add("status:", Fields.text(workload, "status"))
                .add("reason:", Fields.text(workload, "reason"))
                .add("error:", Fields.text(workload, "error"))
                .add("exit code:", Fields.number(workload, "exit_code"))
                .add("runtime:", Fields.text(workload, "runtime"))
                .add("isolation:", isolation(workload))
                .add("node:", Fields.text(workload, "node"))
                .add("resources:", resources(workload.get("resources")))
                .add("duration:", Formats.duration(Fields.number(workload, "duration_ms")))
                .add("created:", Formats.instant(Fields.instant(workload, "created_at"), now))
                .add("started:", Formats.instant(Fields.instant(workload, "started_at"), now))
                .add("finished:", Formats.instant(Fields.instant(workload, "finished_at"), now))
                .add("input hash:", Fields.text(workload, "input_hash"))
                .add("output:", output == null ? null : client.mapper().writeValueAsString(output));
        table.print(root.out());
        String stack = Fields.text(workload, "stack");
        if (stack != null && !stack.isBlank()) {
            root.out().println("stack:");
            stack.lines().forEach(line -> root.out().println("  " + line));
            root.out().flush();
        }
        return 0;
    }

    /** "container", or "container (asked: auto)" when the daemon chose. */
    static String isolation(JsonNode workload) {
        String asked = Fields.text(workload, "isolation");
        String used = Fields.text(workload, "isolation_used");
        if (used == null || asked == null || asked.equals(used)) {
            return used != null ? used : asked;
        }
        return used + " (asked: " + asked + ")";
    }

    /** "1 cpu, 128 MB, 30 s timeout". */
    static String resources(JsonNode resources) {
        if (resources == null || !resources.isObject()) {
            return null;
        }
        return orDash(Fields.number(resources, "cpus")) + " cpu, "
                + orDash(Fields.number(resources, "mem_mb")) + " MB, "
                + orDash(Fields.number(resources, "timeout_s")) + " s timeout";
    }

    private static String orDash(Long value) {
        return value == null ? "-" : value.toString();
    }
}
