package dev.vulcan.cli;

import java.io.IOException;

/** vulcan inspect NAME: GET /v1/instances/{name}. */
final class InstanceInspectCommand extends Subcommand {

    InstanceInspectCommand(VulcanCommand root) {
        super(root, "inspect", "Show one instance.");
        spec.addPositional(Specs.parameter("NAME", "the instance's name"));
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get(InstanceCommand.path(Specs.parameter(spec))),
                (instance, out) -> InstanceCommand.details(instance, root.environment().clock().instant()).print(out));
    }
}
