package dev.vulcan.cli;

import java.io.IOException;

/** vulcan network inspect NAME: GET /v1/networks/{name}. */
final class NetworkInspectCommand extends Subcommand {

    NetworkInspectCommand(VulcanCommand root) {
        super(root, "inspect", "Show one network: bridge, subnets, gateways and what is attached.");
        spec.addPositional(Specs.parameter("NAME", "the network's name"));
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get(NetworkCommand.path(Specs.parameter(spec))),
                (network, out) -> NetworkCommand.details(network, root.environment().clock().instant()).print(out));
    }
}
