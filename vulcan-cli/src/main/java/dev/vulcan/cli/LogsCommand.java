package dev.vulcan.cli;

import dev.vulcan.cli.http.SseEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** vulcan logs [-f] ID: GET /v1/workloads/{id}/logs, an event stream. */
final class LogsCommand extends WorkloadCommand {

    LogsCommand(VulcanCommand root) {
        super(root, "logs",
                "Print a workload's output lines: its stdout to stdout, its stderr to stderr.",
                "With -o json, every line is printed to stdout as its JSON log event, one per line.");
        spec.addOption(Specs.flag(new String[] {"-f", "--follow"},
                "keep printing lines as they come until the workload ends"));
    }

    @Override
    public Integer call() throws IOException {
        boolean follow = Specs.given(spec, "--follow");
        DaemonClient client = root.client();
        String target = DaemonClient.target(workloadPath() + "/logs",
                follow ? Map.of("follow", "true") : Map.of());
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
            throw new IOException("the log stream ended before the workload did");
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
