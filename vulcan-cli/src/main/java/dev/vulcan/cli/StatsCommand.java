package dev.vulcan.cli;

import dev.vulcan.api.WorkloadStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** vulcan stats: GET /v1/stats. */
final class StatsCommand extends Subcommand {

    StatsCommand(VulcanCommand root) {
        super(root, "stats",
                "Show counts of the workloads this node has recorded, and their durations per isolation.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get("/v1/stats"), this::print);
    }

    private void print(JsonNode stats, PrintWriter out) {
        Table counts = Table.headless(2).add("total:", Fields.number(stats, "total"));
        JsonNode byStatus = stats.path("by_status");
        for (WorkloadStatus status : WorkloadStatus.values()) {
            Long count = Fields.number(byStatus, status.wire());
            counts.add(status.wire() + ":", count == null ? 0 : count);
        }
        counts.print(out);
        List<JsonNode> byIsolation = Fields.elements(stats.get("by_isolation"));
        if (!byIsolation.isEmpty()) {
            out.println();
            Table durations = new Table("ISOLATION", "COUNT", "COMPLETED", "AVG", "P50", "P99");
            for (JsonNode isolation : byIsolation) {
                Double average = Fields.decimal(isolation, "avg_ms");
                durations.add(Fields.text(isolation, "isolation"),
                        Fields.number(isolation, "count"), Fields.number(isolation, "completed"),
                        average == null ? null : Formats.duration(Math.round(average)),
                        Formats.duration(Fields.number(isolation, "p50_ms")),
                        Formats.duration(Fields.number(isolation, "p99_ms")));
            }
            durations.print(out);
        }
    }
}
