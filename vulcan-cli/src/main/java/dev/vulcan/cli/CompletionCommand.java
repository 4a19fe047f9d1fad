package dev.vulcan.cli;

import picocli.AutoComplete;

/**
 * vulcan completion: the bash completion script picocli generates for the whole command tree, as
 * {@code AutoComplete.GenerateCompletion} prints it, declared without its annotations.
 */
final class CompletionCommand extends Subcommand {

    CompletionCommand(VulcanCommand root) {
        super(root, "completion",
                "Print a bash/zsh completion script for vulcan.",
                "Run the following command to give `vulcan` TAB completion in the current shell:",
                "",
                "  source <(vulcan completion)");
    }

    @Override
    public Integer call() {
        String script = AutoComplete.bash(root.spec().name(), root.spec().commandLine());
        root.out().print(script);
        root.out().print('\n');
        root.out().flush();
        return 0;
    }
}
