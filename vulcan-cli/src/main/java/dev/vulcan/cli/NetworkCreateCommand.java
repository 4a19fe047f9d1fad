package dev.vulcan.cli;

import dev.vulcan.api.NetworksPost;
import java.io.IOException;

/** vulcan network create NAME: POST /v1/networks. */
final class NetworkCreateCommand extends Subcommand {

    NetworkCreateCommand(VulcanCommand root) {
        super(root, "create", "Create a bridge network; without --subnet it gets the next free /24 of the node's pool"
                + " and the next /64 of its IPv6 subtree.");
        spec.addPositional(Specs.parameter("NAME", "the network's name"));
        spec.addOption(Specs.option("--subnet", String.class, "CIDR", "its IPv4 subnet, e.g. 10.90.0.0/24"));
        spec.addOption(Specs.option("--ipv6-subnet", String.class, "CIDR", "its IPv6 /64"));
    }

    @Override
    public Integer call() throws IOException {
        NetworksPost post = new NetworksPost(Specs.parameter(spec), Specs.value(spec, "--subnet"),
                Specs.value(spec, "--ipv6-subnet"));
        return show(root.client().post("/v1/networks", post), (network, out) -> out.println(Fields.text(network, "name")));
    }
}
