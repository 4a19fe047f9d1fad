package dev.vulcan.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;

/**
 * A command under vulcan: its spec, built with {@link Specs} rather than annotations, and its
 * action, run with the root command's options, client and output.
 */
abstract class Subcommand implements Callable<Integer> {

    /** How a command shows an answer of the daemon to a person. */
    @FunctionalInterface
    interface Display {
        void print(JsonNode answer, PrintWriter out);
    }

    final VulcanCommand root;
    final CommandSpec spec;

    Subcommand(VulcanCommand root, String name, String... description) {
        this.root = root;
        this.spec = Specs.command(name, this, description);
    }

    final CommandSpec spec() {
        return spec;
    }

    /**
     * Prints the answer, with -o json as its JSON, pretty-printed, else as {@code display} shows it;
     * returns the exit status, 0.
     */
    final int show(ApiReply reply, Display display) {
        PrintWriter out = root.out();
        if (root.json()) {
            out.println(reply.pretty());
        } else {
            display.print(reply.tree(), out);
        }
        out.flush();
        return 0;
    }
}
