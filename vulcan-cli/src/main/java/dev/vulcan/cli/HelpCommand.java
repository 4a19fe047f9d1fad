package dev.vulcan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/** vulcan help [COMMAND]: the usage of vulcan or of one of its commands. */
final class HelpCommand extends Subcommand {

    HelpCommand(VulcanCommand root) {
        super(root, "help", "Show the usage of vulcan or of one of its commands.");
        spec.addPositional(PositionalParamSpec.builder().index("0").arity("0..1").type(String.class)
                .paramLabel("COMMAND").description("the command to describe").build());
    }

    @Override
    public Integer call() {
        String name = spec.positionalParameters().getFirst().getValue();
        CommandLine target = root.spec().commandLine();
        if (name != null) {
            target = target.getSubcommands().get(name);
            if (target == null) {
                throw new ParameterException(spec.commandLine(), "unknown command '" + name + "'");
            }
        }
        target.usage(root.out());
        root.out().flush();
        return 0;
    }
}
