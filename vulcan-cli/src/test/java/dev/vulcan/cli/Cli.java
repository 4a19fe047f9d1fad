package dev.vulcan.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;

/** Runs the command tree in-process with captured output, a fixed clock and a given environment. */
final class Cli {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    record Result(int exit, String out, String err) {}

    private Cli() {}

    static Result run(String... args) {
        return run(Map.of(), "", args);
    }

    static Result run(Map<String, String> variables, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Environment environment = new Environment(variables, InstantSource.fixed(NOW),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        int exit = Main.commandLine(environment)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
