package dev.vulcan.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** vulcan kill ID: DELETE /v1/workloads/{id}. */
final class KillCommand implements Callable<Integer> {
    private final VulcanCommand root;
    private final CommandSpec spec;

    KillCommand(VulcanCommand root) {
        this.root = root;
        this.spec = Specs.command("kill", this, "Kill a pending or running workload.");
        spec.addPositional(Specs.parameter("ID", "the workload's id"));
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        String id = Specs.parameter(spec);
        ApiReply reply = root.client().delete("/v1/workloads/" + DaemonClient.encode(id));
        if (root.json()) {
            root.out().println(reply.pretty());
        } else {
            String status = Fields.text(reply.tree(), "status");
            root.out().println(Fields.text(reply.tree(), "id") + " " + (status == null ? "killed" : status));
        }
        root.out().flush();
        return 0;
    }
}
