package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import tools.jackson.databind.JsonNode;

/** vulcan backends: GET /v1/backends. */
final class BackendsCommand extends Subcommand {

    BackendsCommand(VulcanCommand root) {
        super(root, "backends",
                "Show which isolation backends this node can run, and why not when it cannot.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get("/v1/backends"), this::print);
    }

    private void print(JsonNode backends, PrintWriter out) {
        Table table = new Table("ISOLATION", "AVAILABLE", "VERSION", "PLATFORM", "REASON/DETAILS");
        for (JsonNode backend : Fields.elements(backends)) {
            boolean available = Fields.flag(backend, "available");
            table.add(Fields.text(backend, "isolation"),
                    available ? "yes" : "no",
                    Fields.text(backend, "version"),
                    Fields.text(backend, "platform"),
                    available ? details(backend) : Fields.text(backend, "reason"));
        }
        table.print(out);
    }

    /** "runtimes=node,python engine=/usr/bin/runc": what the table has room for. */
    static String details(JsonNode backend) {
        StringJoiner details = new StringJoiner(" ").setEmptyValue("-");
        List<String> runtimes = Fields.texts(backend, "runtimes");
        if (!runtimes.isEmpty()) {
            details.add("runtimes=" + String.join(",", runtimes));
        }
        JsonNode more = backend.get("details");
        if (more != null && more.isObject()) {
            for (Map.Entry<String, JsonNode> detail : more.properties()) {
                details.add(detail.getKey() + "=" + (detail.getValue().isNull() ? "-" : detail.getValue().asString()));
            }
        }
        return details.toString();
    }
}
