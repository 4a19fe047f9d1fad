package dev.vulcan.cli;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Model.OptionSpec;

/** vulcan start|stop|restart NAME...: POST /v1/instances/{name}/{action}, stop and restart with a grace time. */
final class InstanceActionCommand extends EachNameCommand {
    private final boolean graceful;

    private InstanceActionCommand(VulcanCommand root, String action, boolean graceful, String description) {
        super(root, action, "NAME", "the instances' names", description);
        this.graceful = graceful;
        if (graceful) {
            spec.addOption(OptionSpec.builder("-t", "--timeout").type(Integer.class).paramLabel("SECONDS")
                    .description("seconds between SIGTERM and SIGKILL (default: the daemon's, 10)").build());
        }
    }

    static InstanceActionCommand start(VulcanCommand root) {
        return new InstanceActionCommand(root, "start", false, "Start one or more created or stopped instances.");
    }

    static InstanceActionCommand stop(VulcanCommand root) {
        return new InstanceActionCommand(root, "stop", true,
                "Stop one or more running instances: SIGTERM, then SIGKILL after the timeout.");
    }

    static InstanceActionCommand restart(VulcanCommand root) {
        return new InstanceActionCommand(root, "restart", true, "Stop (if running) and start one or more instances.");
    }

    @Override
    public Integer call() throws IOException {
        Map<String, Object> query = new HashMap<>(); // a null timeout is left out
        if (graceful) {
            query.put("timeout", Specs.value(spec, "--timeout"));
        }
        String action = spec.name();
        return each(name -> root.client().post(
                        DaemonClient.target(InstanceCommand.path(name) + "/" + action, query)),
                (instance, out) -> out.println(Fields.text(instance, "name") + " " + InstanceCommand.status(instance)));
    }
}
