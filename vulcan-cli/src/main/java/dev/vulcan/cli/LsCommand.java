package dev.vulcan.cli;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** vulcan ls: GET /v1/workloads, newest first, one page or (with --all) every page. */
final class LsCommand implements Callable<Integer> {
    private final VulcanCommand root;
    private final CommandSpec spec;

    LsCommand(VulcanCommand root) {
        this.root = root;
        this.spec = Specs.command("ls", this,
                "List workloads, newest first.",
                "With --all and -o json, the items of every page are printed as one list.");
        spec.addOption(Specs.option("--status", String.class, "STATUS",
                "only pending, running, completed, failed or killed ones"));
        spec.addOption(Specs.option("--isolation", String.class, "ISOLATION", "only those run with this isolation"));
        spec.addOption(Specs.option("--limit", Integer.class, "N", "at most N per page (default: the daemon's)"));
        spec.addOption(Specs.flag(new String[] {"--all"}, "follow the pages to the end"));
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        String status = Specs.value(spec, "--status");
        String isolation = Specs.value(spec, "--isolation");
        Integer limit = Specs.value(spec, "--limit");
        boolean all = Specs.given(spec, "--all");
        DaemonClient client = root.client();
        List<JsonNode> items = new ArrayList<>();
        ApiReply reply;
        String cursor = null;
        do {
            Map<String, Object> query = new LinkedHashMap<>();
            query.put("limit", limit);
            query.put("cursor", cursor);
            query.put("status", status);
            query.put("isolation", isolation);
            reply = client.get(DaemonClient.target("/v1/workloads", query));
            JsonNode page = reply.tree();
            Fields.elements(page.get("items")).forEach(items::add);
            cursor = Fields.text(page, "next_cursor");
            if (cursor != null && cursor.isEmpty()) {
                cursor = null;
            }
        } while (all && cursor != null);

        if (root.json()) {
            if (all) {
                ObjectNode merged = client.mapper().createObjectNode();
                merged.putArray("items").addAll(items);
                merged.putNull("next_cursor");
                root.out().println(ApiReply.pretty(client.mapper(), merged));
            } else {
                root.out().println(reply.pretty());
            }
            root.out().flush();
            return 0;
        }
        Instant now = root.environment().clock().instant();
        Table table = new Table("ID", "STATUS", "ISOLATION", "RUNTIME", "DURATION", "CREATED");
        for (JsonNode workload : items) {
            String used = Fields.text(workload, "isolation_used");
            table.add(Fields.text(workload, "id"),
                    Fields.text(workload, "status"),
                    used != null ? used : Fields.text(workload, "isolation"),
                    Fields.text(workload, "runtime"),
                    Formats.duration(Fields.number(workload, "duration_ms")),
                    Formats.age(Fields.instant(workload, "created_at"), now));
        }
        table.print(root.out());
        return 0;
    }
}
