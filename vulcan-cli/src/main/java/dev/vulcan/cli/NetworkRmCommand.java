package dev.vulcan.cli;

import java.io.IOException;

/** vulcan network rm NAME...: DELETE /v1/networks/{name}; refused while instances use it. */
final class NetworkRmCommand extends EachNameCommand {

    NetworkRmCommand(VulcanCommand root) {
        super(root, "rm", "NAME", "the networks' names",
                "Remove one or more networks; the default network and one that instances use are refused.");
    }

    @Override
    public Integer call() throws IOException {
        return each(name -> root.client().delete(NetworkCommand.path(name)),
                (network, out) -> out.println("removed " + Fields.text(network, "name")));
    }
}
