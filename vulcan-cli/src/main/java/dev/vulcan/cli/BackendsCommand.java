package dev.vulcan.cli;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;

/** vulcan backends: GET /v1/backends. */
final class BackendsCommand implements Callable<Integer> {
    private final VulcanCommand root;
    private final CommandSpec spec;

    BackendsCommand(VulcanCommand root) {
        this.root = root;
        this.spec = Specs.command("backends", this,
                "Show which isolation backends this node can run, and why not when it cannot.");
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        ApiReply reply = root.client().get("/v1/backends");
        if (root.json()) {
            root.out().println(reply.pretty());
            root.out().flush();
            return 0;
        }
        Table table = new Table("ISOLATION", "AVAILABLE", "VERSION", "REASON/DETAILS");
        for (JsonNode backend : Fields.elements(reply.tree())) {
            boolean available = Fields.flag(backend, "available");
            table.add(Fields.text(backend, "isolation"),
                    available ? "yes" : "no",
                    Fields.text(backend, "version"),
                    available ? details(backend) : Fields.text(backend, "reason"));
        }
        table.print(root.out());
        return 0;
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
