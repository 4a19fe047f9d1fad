package dev.vulcan.cli;

import java.io.Console;
import java.io.InputStream;
import java.time.InstantSource;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What the CLI takes from the process it runs in, so commands can be driven from tests.
 *
 * @param variables environment variables
 * @param clock     now, for ages such as "5m ago"
 * @param stdin     what {@code --input @-} reads
 * @param terminal  whether stdout is a terminal (asked only by commands that draw progress)
 */
record Environment(Map<String, String> variables, InstantSource clock, InputStream stdin, BooleanSupplier terminal) {

    /** Not on a terminal: what tests and the AOT training run get. */
    Environment(Map<String, String> variables, InstantSource clock, InputStream stdin) {
        this(variables, clock, stdin, () -> false);
    }

    static Environment system() {
        return new Environment(System.getenv(), InstantSource.system(), System.in, () -> {
            Console console = System.console();
            return console != null && console.isTerminal();
        });
    }

    /** The terminal's width: $COLUMNS when the shell exports it, else 80. */
    int columns() {
        try {
            String columns = variable("COLUMNS");
            return columns == null ? 80 : Math.max(20, Integer.parseInt(columns.strip()));
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    /** The variable's value, or null when it is unset or empty. */
    String variable(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? null : value;
    }
}
