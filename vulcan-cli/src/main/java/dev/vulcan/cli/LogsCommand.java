package dev.vulcan.cli;

import dev.vulcan.cli.http.SseEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * vulcan logs [-f] ID|NAME: GET /v1/workloads/{id}/logs for a workload's id (a ULID), else
 * GET /v1/instances/{name}/logs; both are event streams of the same shape.
 */
final class LogsCommand extends Subcommand {
    /** A ULID as workload ids are written: 26 characters of Crockford's base 32, in either case. */
    private static final Pattern ULID = Pattern.compile("[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}");

    LogsCommand(VulcanCommand root) {
        super(root, "logs",
                "Print a workload's or an instance's output lines: its stdout to stdout, its stderr to stderr.",
                "With -o json, every line is printed to stdout as its JSON log event, one per line.");
        spec.addPositional(Specs.parameter("ID|NAME", "a workload's id or an instance's name"));
        spec.addOption(Specs.flag(new String[] {"-f", "--follow"},
                "keep printing lines as they come until the workload ends or the instance stops"));
    }

    @Override
    public Integer call() throws IOException {
        String subject = Specs.parameter(spec);
        Map<String, String> query = Specs.given(spec, "--follow") ? Map.of("follow", "true") : Map.of();
        if (!ULID.matcher(subject).matches()) {
            return print(DaemonClient.target(InstanceCommand.path(subject) + "/logs", query), "instance");
        }
        try {
            return print(DaemonClient.target("/v1/workloads/" + DaemonClient.encode(subject) + "/logs", query),
                    "workload");
        } catch (ApiException notAWorkload) {
            // nothing was printed yet: an instance may have a name that looks like an id
            if (notAWorkload.status() != 404) {
                throw notAWorkload;
            }
            try {
                return print(DaemonClient.target(InstanceCommand.path(subject) + "/logs", query), "instance");
            } catch (ApiException notAnInstance) {
                if (notAnInstance.status() == 404) {
                    throw notAWorkload;
                }
                throw notAnInstance;
            }
        }
    }

    /** Prints the stream's lines until its end event; {@code what} ends, for the error when it stops short. */
    private int print(String target, String what) throws IOException {
        DaemonClient client = root.client();
        PrintWriter out = root.out();
        PrintWriter err = root.err();
        boolean[] ended = {false};
        client.stream(target, event -> {
            switch (event.event()) {
                case "stdout", "stderr" -> print(client, event, out, err);
                case "end" -> ended[0] = true;
                default -> { } // an event this CLI does not know yet
            }
            return !ended[0];
        });
        if (!ended[0]) {
            throw new IOException("the log stream ended before the " + what + " did");
        }
        return 0;
    }

    private void print(DaemonClient client, SseEvent event, PrintWriter out, PrintWriter err) {
        if (root.json()) {
            out.println(client.mapper().writeValueAsString(client.mapper().readTree(event.data())));
            out.flush();
            return;
        }
        JsonNode logEvent = client.mapper().readTree(event.data()); // a LogEvent
        String stream = Fields.text(logEvent, "stream");
        PrintWriter to = "stderr".equals(stream != null ? stream : event.event()) ? err : out;
        String line = Fields.text(logEvent, "line");
        to.println(line == null ? "" : line);
        to.flush();
    }
}
