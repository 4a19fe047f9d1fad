package dev.vulcan.cli;

import picocli.CommandLine;

/** A command that only groups others (vulcan image, instance, volume): alone it prints its usage. */
abstract class CommandGroup extends Subcommand {

    CommandGroup(VulcanCommand root, String name, String description, Subcommand... members) {
        super(root, name, description);
        for (Subcommand command : members) {
            spec.addSubcommand(command.spec().name(), new CommandLine(command.spec()));
        }
    }

    @Override
    public final Integer call() {
        spec.commandLine().usage(root.err());
        return ErrorHandler.USAGE;
    }
}
