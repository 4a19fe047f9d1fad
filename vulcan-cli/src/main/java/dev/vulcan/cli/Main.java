package dev.vulcan.cli;

import picocli.CommandLine;

/** Entry point of the vulcan command; `vulcan daemon` is dispatched elsewhere by the launcher. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(commandLine(Environment.system()).execute(args));
    }

    /** The whole command tree, with the error handling and parsing rules of the CLI. */
    static CommandLine commandLine(Environment environment) {
        VulcanCommand root = new VulcanCommand(environment);
        CommandLine commandLine = new CommandLine(root.spec());
        commandLine
                .addSubcommand(new RunCommand(root).spec())
                .addSubcommand(new StatusCommand(root).spec())
                .addSubcommand(new LogsCommand(root).spec())
                .addSubcommand(new LsCommand(root).spec())
                .addSubcommand(new KillCommand(root).spec())
                .addSubcommand(new ExecCommand(root).spec())
                .addSubcommand(new ConsoleCommand(root).spec())
                .addSubcommand(new BackendsCommand(root).spec())
                .addSubcommand(new NodesCommand(root).spec())
                .addSubcommand(new StatsCommand(root).spec())
                .addSubcommand(new BenchmarkCommand(root).spec())
                .addSubcommand(new ImageCommand(root).spec())
                // instances: Docker's top-level verbs, and the same commands under `vulcan instance`
                .addSubcommand(new InstanceCreateCommand(root).spec())
                .addSubcommand(InstanceActionCommand.start(root).spec())
                .addSubcommand(InstanceActionCommand.stop(root).spec())
                .addSubcommand(InstanceActionCommand.restart(root).spec())
                .addSubcommand(new InstanceRmCommand(root).spec())
                .addSubcommand(new InstanceInspectCommand(root).spec())
                .addSubcommand(new InstanceLsCommand(root, "ps").spec())
                .addSubcommand(new InstanceCommand(root).spec())
                .addSubcommand(new VolumeCommand(root).spec())
                .addSubcommand(new NetworkCommand(root).spec())
                .addSubcommand(new SubtreeCommand(root).spec())
                .addSubcommand(new HelpCommand(root).spec())
                .addSubcommand(new CompletionCommand(root).spec());
        ErrorHandler errors = new ErrorHandler(environment);
        // these settings reach every subcommand registered so far
        commandLine
                .setExpandAtFiles(false) // --input @file is ours
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors);
        return commandLine;
    }
}
