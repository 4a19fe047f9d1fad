package dev.vulcan.cli;

import dev.vulcan.api.InstancesPost;
import dev.vulcan.api.Resources;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/** vulcan create: POST /v1/instances (?start=true with --start); prints the new instance's name and id. */
final class InstanceCreateCommand extends Subcommand {

    InstanceCreateCommand(VulcanCommand root) {
        super(root, "create",
                "Create a long-lived instance of an image, as `docker create` does; --start also starts it.",
                "--cmd runs a shell command (the image's /bin/sh -c); arguments after -- run without a shell;"
                        + " neither runs the image's own Entrypoint and Cmd.");
        spec.addOption(OptionSpec.builder("--name").type(String.class).paramLabel("NAME").required(true)
                .description("the instance's name, unique on the node").build());
        spec.addOption(OptionSpec.builder("--image").type(String.class).paramLabel("REF").required(true)
                .description("an image in the node's store").build());
        spec.addOption(Specs.option("--cmd", String.class, "COMMAND", "a command for the image's /bin/sh -c"));
        spec.addOption(repeated(new String[] {"-e", "--env"}, "K=V", "an environment variable; may be repeated"));
        spec.addOption(repeated(new String[] {"-v", "--volume"}, "SPEC",
                "HOST:GUEST[:ro] (HOST absolute) or NAME:GUEST[:ro] (a named volume, made on first use);"
                        + " may be repeated"));
        spec.addOption(Specs.option("--network", String.class, "NETWORK",
                "the network to join: a network's name or none (default: the default network)"));
        spec.addOption(repeated(new String[] {"-p", "--publish"}, "[HOSTIP:]HOSTPORT:PORT[/PROTO]",
                "publish a port on the node (tcp or udp; an IPv6 HOSTIP in brackets); may be repeated"));
        spec.addOption(Specs.option("--restart", String.class, "POLICY", "no (default), on-failure or always"));
        spec.addOption(Specs.option("--isolation", String.class, "ISOLATION",
                "container (default), gvisor, microvm (its own kernel; a console), or auto (an image: gvisor)"));
        spec.addOption(Specs.option("--cpus", Integer.class, "N", "CPUs (default: no limit)"));
        spec.addOption(Specs.option("--memory", Integer.class, "MB", "memory limit in MB (default: no limit)"));
        spec.addOption(Specs.flag(new String[] {"--start"}, "start it once created"));
        spec.addPositional(PositionalParamSpec.builder().index("0..*").arity("0..*")
                .type(List.class).auxiliaryTypes(String.class).paramLabel("CMD")
                .description("after --: the command and its arguments, run without a shell").build());
    }

    private static OptionSpec repeated(String[] names, String label, String description) {
        return OptionSpec.builder(names).type(List.class).auxiliaryTypes(String.class).arity("1")
                .paramLabel(label).description(description).build();
    }

    @Override
    public Integer call() throws IOException {
        String cmd = Specs.value(spec, "--cmd");
        List<String> args = spec.positionalParameters().getFirst().getValue();
        boolean hasArgs = args != null && !args.isEmpty();
        if (cmd != null && hasArgs) {
            throw new ParameterException(spec.commandLine(), "give --cmd or arguments after --, not both");
        }
        Integer cpus = Specs.value(spec, "--cpus");
        Integer memory = Specs.value(spec, "--memory");
        InstancesPost post = new InstancesPost(Specs.value(spec, "--name"), Specs.value(spec, "--image"), cmd,
                hasArgs ? List.copyOf(args) : null, list("--env"), list("--volume"), Specs.value(spec, "--restart"),
                cpus == null && memory == null ? null : new Resources(cpus, memory, null),
                Specs.value(spec, "--network"), list("--publish"), Specs.value(spec, "--isolation"));
        String target = DaemonClient.target("/v1/instances",
                Specs.given(spec, "--start") ? Map.of("start", "true") : Map.of());
        return show(root.client().post(target, post),
                (instance, out) -> out.println(Fields.text(instance, "name") + " " + Fields.text(instance, "id")));
    }

    /** The values of a repeatable option, or null when it was not given. */
    private List<String> list(String option) {
        List<String> values = Specs.value(spec, option);
        return values == null || values.isEmpty() ? null : List.copyOf(values);
    }
}
