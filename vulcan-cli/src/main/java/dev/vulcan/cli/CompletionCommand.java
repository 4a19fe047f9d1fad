package dev.vulcan.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;

/**
 * vulcan completion: the bash completion script picocli generates for the whole command tree, as
 * {@code AutoComplete.GenerateCompletion} prints it, declared without its annotations.
 */
final class CompletionCommand implements Callable<Integer> {
    private final VulcanCommand root;
    private final CommandSpec spec;

    CompletionCommand(VulcanCommand root) {
        this.root = root;
        this.spec = Specs.command("completion", this,
                "Print a bash/zsh completion script for vulcan.",
                "Run the following command to give `vulcan` TAB completion in the current shell:",
                "",
                "  source <(vulcan completion)");
    }

    CommandSpec spec() {
        return spec;
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
