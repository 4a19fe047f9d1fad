package dev.vulcan.cli;

import java.io.IOException;
import java.util.Map;

/** vulcan rm [-f] NAME...: DELETE /v1/instances/{name}, with -f also a running one. */
final class InstanceRmCommand extends EachNameCommand {

    InstanceRmCommand(VulcanCommand root) {
        super(root, "rm", "NAME", "the instances' names",
                "Remove one or more instances: their container, log and state. Named volumes stay.");
        spec.addOption(Specs.flag(new String[] {"-f", "--force"}, "kill and remove running instances too"));
    }

    @Override
    public Integer call() throws IOException {
        Map<String, Object> query = Specs.given(spec, "--force") ? Map.of("force", "true") : Map.of();
        return each(name -> root.client().delete(DaemonClient.target(InstanceCommand.path(name), query)),
                (instance, out) -> out.println("removed " + Fields.text(instance, "name")));
    }
}
