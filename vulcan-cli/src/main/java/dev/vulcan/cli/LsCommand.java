package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** vulcan ls: GET /v1/workloads, newest first, one page or (with --all) every page. */
final class LsCommand extends Subcommand {

    LsCommand(VulcanCommand root) {
        super(root, "ls",
                "List workloads, newest first.",
                "With --all and -o json, the items of every page are printed as one list.");
        spec.addOption(Specs.option("--status", String.class, "STATUS",
                "only pending, running, completed, failed or killed ones"));
        spec.addOption(Specs.option("--isolation", String.class, "ISOLATION", "only those run with this isolation"));
        spec.addOption(Specs.option("--limit", Integer.class, "N", "at most N per page (default: the daemon's)"));
        spec.addOption(Specs.flag(new String[] {"--all"}, "follow the pages to the end"));
    }

    @Override
    public Integer call() throws IOException {
        if (!Specs.given(spec, "--all")) {
            return show(page(null), this::print);
        }
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode current = page(cursor).tree();
            Fields.elements(current.get("items")).forEach(items::add);
            cursor = Fields.text(current, "next_cursor");
        } while (cursor != null && !cursor.isEmpty());
        return show(merged(items), this::print);
    }

    /** The page from the cursor on, or the first one for null, with the filters given. */
    private ApiReply page(String cursor) throws IOException {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("limit", Specs.value(spec, "--limit"));
        query.put("cursor", cursor);
        query.put("status", Specs.value(spec, "--status"));
        query.put("isolation", Specs.value(spec, "--isolation"));
        return root.client().get(DaemonClient.target("/v1/workloads", query));
    }

    /** The items of every page as one last page. */
    private ApiReply merged(List<JsonNode> items) {
        JsonMapper mapper = root.client().mapper();
        ObjectNode merged = mapper.createObjectNode();
        merged.putArray("items").addAll(items);
        merged.putNull("next_cursor");
        return new ApiReply(merged, mapper);
    }

    private void print(JsonNode page, PrintWriter out) {
        Instant now = root.environment().clock().instant();
        Table table = new Table("ID", "STATUS", "ISOLATION", "RUNTIME", "DURATION", "CREATED");
        for (JsonNode workload : Fields.elements(page.get("items"))) {
            String used = Fields.text(workload, "isolation_used");
            table.add(Fields.text(workload, "id"),
                    Fields.text(workload, "status"),
                    used != null ? used : Fields.text(workload, "isolation"),
                    Fields.text(workload, "runtime"),
                    Formats.duration(Fields.number(workload, "duration_ms")),
                    Formats.age(Fields.instant(workload, "created_at"), now));
        }
        table.print(out);
    }
}
