package dev.vulcan.cli;

import java.io.InputStream;
import java.time.InstantSource;
import java.util.Map;

/**
 * What the CLI takes from the process it runs in, so commands can be driven from tests.
 *
 * @param variables environment variables
 * @param clock     now, for ages such as "5m ago"
 * @param stdin     what {@code --input @-} reads
 */
record Environment(Map<String, String> variables, InstantSource clock, InputStream stdin) {

    static Environment system() {
        return new Environment(System.getenv(), InstantSource.system(), System.in);
    }

    /** The variable's value, or null when it is unset or empty. */
    String variable(String name) {
        String value = variables.get(name);
        return value == null || value.isEmpty() ? null : value;
    }
}
