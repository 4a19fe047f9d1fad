package dev.vulcan.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/** vulcan help [COMMAND]: the usage of vulcan or of one of its commands. */
final class HelpCommand implements Callable<Integer> {
    private final VulcanCommand root;
    private final CommandSpec spec;

    HelpCommand(VulcanCommand root) {
        this.root = root;
        this.spec = Specs.command("help", this, "Show the usage of vulcan or of one of its commands.");
        spec.addPositional(PositionalParamSpec.builder().index("0").arity("0..1").type(String.class)
                .paramLabel("COMMAND").description("the command to describe").build());
    }

    CommandSpec spec() {
        return spec;
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
