package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A command on one or more named things, as Docker's start, stop and rm: each name is asked for in
 * turn; an API error about one is one line on stderr and the others still go ahead, and the exit
 * status is 1 if any failed. Anything else (no daemon, a broken connection) stops the command.
 */
abstract class EachNameCommand extends Subcommand {

    /** What the command does to one name: the daemon's answer. */
    @FunctionalInterface
    interface Action {
        ApiReply apply(String name) throws IOException;
    }

    EachNameCommand(VulcanCommand root, String name, String label, String what, String... description) {
        super(root, name, description);
        spec.addPositional(PositionalParamSpec.builder().index("0..*").arity("1..*").required(true)
                .type(List.class).auxiliaryTypes(String.class).paramLabel(label).description(what).build());
    }

    /** Applies the action to every name given, showing each answer; the exit status. */
    final int each(Action action, Display display) throws IOException {
        List<String> names = spec.positionalParameters().getFirst().getValue();
        PrintWriter err = root.err();
        int status = 0;
        for (String name : names) {
            try {
                show(action.apply(name), display);
            } catch (ApiException e) {
                err.println("vulcan: " + name + ": " + e.getMessage() + " (" + e.code() + ")");
                err.flush();
                status = ErrorHandler.FAILED;
            }
        }
        return status;
    }
}
