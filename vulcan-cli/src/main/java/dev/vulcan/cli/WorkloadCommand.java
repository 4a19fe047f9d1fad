package dev.vulcan.cli;

/** A command about one workload, named by its ID parameter. */
abstract class WorkloadCommand extends Subcommand {

    WorkloadCommand(VulcanCommand root, String name, String... description) {
        super(root, name, description);
        spec.addPositional(Specs.parameter("ID", "the workload's id"));
    }

    /** /v1/workloads/{ID}, the ID percent-encoded as one path segment. */
    final String workloadPath() {
        return "/v1/workloads/" + DaemonClient.encode(Specs.parameter(spec));
    }
}
