package dev.vulcan.cli;

import java.io.IOException;

/** vulcan kill ID: DELETE /v1/workloads/{id}. */
final class KillCommand extends WorkloadCommand {

    KillCommand(VulcanCommand root) {
        super(root, "kill", "Kill a pending or running workload.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().delete(workloadPath()), (workload, out) -> {
            String status = Fields.text(workload, "status");
            out.println(Fields.text(workload, "id") + " " + (status == null ? "killed" : status));
        });
    }
}
