package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * vulcan subtree: GET /v1/subtree, the node's IPv6 subtree and its delegations to child nodes; with
 * delegate and release under it. Unlike the other groups it does something alone: it shows.
 */
final class SubtreeCommand extends Subcommand {

    SubtreeCommand(VulcanCommand root) {
        super(root, "subtree", "Show the node's IPv6 subtree: the prefix it owns, the /64 of its bridge and the"
                + " prefixes delegated to child nodes.");
        for (Subcommand command : new Subcommand[] {new Delegate(root), new Release(root)}) {
            spec.addSubcommand(command.spec().name(), new CommandLine(command.spec()));
        }
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get("/v1/subtree"), this::print);
    }

    private void print(JsonNode subtree, PrintWriter out) {
        Table.headless(2)
                .add("subtree:", Fields.text(subtree, "subtree"))
                .add("own space:", Fields.text(subtree, "own_space"))
                .add("bridge subnet:", Fields.text(subtree, "bridge_subnet"))
                .print(out);
        out.println();
        Instant now = root.environment().clock().instant();
        Table table = new Table("CHILD", "PREFIX", "UPLINK", "ROUTE", "CREATED");
        for (JsonNode d : Fields.elements(subtree.get("delegations"))) {
            table.add(Fields.text(d, "child"), Fields.text(d, "prefix"), Fields.text(d, "uplink"),
                    Fields.text(d, "route"), Formats.age(Fields.instant(d, "created_at"), now));
        }
        table.print(out);
    }

    /** vulcan subtree delegate CHILD: POST /v1/subtree/delegations. */
    static final class Delegate extends Subcommand {
        Delegate(VulcanCommand root) {
            super(root, "delegate", "Delegate the next free child prefix to a child node (again for the same child:"
                    + " its existing one). Prints the prefix and the uplink address the child must use.");
            spec.addPositional(Specs.parameter("CHILD", "the child node's name"));
        }

        @Override
        public Integer call() throws IOException {
            return show(root.client().post("/v1/subtree/delegations", java.util.Map.of("child", Specs.parameter(spec))),
                    (d, out) -> Table.headless(2)
                            .add("child:", Fields.text(d, "child"))
                            .add("prefix:", Fields.text(d, "prefix"))
                            .add("uplink:", Fields.text(d, "uplink"))
                            .add("route:", Fields.text(d, "route"))
                            .print(out));
        }
    }

    /** vulcan subtree release CHILD: DELETE /v1/subtree/delegations/{child}. */
    static final class Release extends Subcommand {
        Release(VulcanCommand root) {
            super(root, "release", "Take a child node's prefix back: its route goes, the prefix is handed out again.");
            spec.addPositional(Specs.parameter("CHILD", "the child node's name"));
        }

        @Override
        public Integer call() throws IOException {
            String child = Specs.parameter(spec);
            root.client().delete("/v1/subtree/delegations/" + DaemonClient.encode(child));
            // 204: nothing to print as JSON
            if (!root.json()) {
                root.out().println("released " + child);
                root.out().flush();
            }
            return 0;
        }
    }
}
