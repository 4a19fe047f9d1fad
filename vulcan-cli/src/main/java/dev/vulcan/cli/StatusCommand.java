package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** vulcan status ID: GET /v1/workloads/{id}. */
final class StatusCommand extends WorkloadCommand {

    StatusCommand(VulcanCommand root) {
        super(root, "status", "Show a workload.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get(workloadPath()), this::print);
    }

    private void print(JsonNode workload, PrintWriter out) {
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
                .add("output:", output == null ? null : root.client().mapper().writeValueAsString(output));
        table.print(out);
        String stack = Fields.text(workload, "stack");
        if (stack != null && !stack.isBlank()) {
            out.println("stack:");
            stack.lines().forEach(line -> out.println("  " + line));
        }
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
