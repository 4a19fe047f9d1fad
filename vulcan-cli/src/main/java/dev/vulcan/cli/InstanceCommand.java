package dev.vulcan.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * vulcan instance: the group of commands on long-lived instances; alone it prints its usage. The
 * same commands stand at the top level too (vulcan create, start, stop, ps, ...), as in Docker.
 */
final class InstanceCommand extends CommandGroup {
    /** Longer commands are cut to this many characters in tables. */
    private static final int COMMAND_WIDTH = 30;

    InstanceCommand(VulcanCommand root) {
        super(root, "instance", "Manage long-lived instances: create, start, stop, restart, remove, list, inspect, logs.",
                new InstanceCreateCommand(root),
                InstanceActionCommand.start(root), InstanceActionCommand.stop(root), InstanceActionCommand.restart(root),
                new InstanceRmCommand(root), new InstanceLsCommand(root, "ls"), new InstanceInspectCommand(root),
                new LogsCommand(root));
    }

    /** /v1/instances/{name}, the name percent-encoded as one path segment. */
    static String path(String name) {
        return "/v1/instances/" + DaemonClient.encode(name);
    }

    /** "running", "created", "stopped (exit 137)", "stopped (oom, exit 137)". */
    static String status(JsonNode instance) {
        String status = Fields.text(instance, "status");
        if (!"stopped".equals(status)) {
            return status;
        }
        List<String> why = new ArrayList<>(2);
        String reason = Fields.text(instance, "reason");
        if (reason != null && !reason.equals("stopped")) {
            why.add(reason);
        }
        Long exit = Fields.number(instance, "exit_code");
        if (exit != null) {
            why.add("exit " + exit);
        }
        return why.isEmpty() ? status : status + " (" + String.join(", ", why) + ")";
    }

    /** The command as one line, cut to fit a table: "/bin/sh -c sleep 1000; ec…". */
    static String command(JsonNode instance, boolean cut) {
        List<String> command = Fields.texts(instance, "command");
        if (command.isEmpty()) {
            return "(image default)";
        }
        String line = String.join(" ", command);
        if (cut && line.codePointCount(0, line.length()) > COMMAND_WIDTH) {
            return line.substring(0, line.offsetByCodePoints(0, COMMAND_WIDTH - 1)) + "…";
        }
        return line;
    }

    /** "on-failure (2 restarts)", "no". */
    static String restart(JsonNode instance) {
        String policy = Fields.text(instance, "restart");
        Long count = Fields.number(instance, "restart_count");
        return count == null || count == 0 ? policy : policy + " (" + count + (count == 1 ? " restart)" : " restarts)");
    }

    /** "2 cpu, 256 MB"; "no limits" when neither is set. */
    static String resources(JsonNode resources) {
        Long cpus = resources == null ? null : Fields.number(resources, "cpus");
        Long mem = resources == null ? null : Fields.number(resources, "mem_mb");
        if (cpus == null && mem == null) {
            return "no limits";
        }
        return (cpus == null ? "any" : cpus.toString()) + " cpu, " + (mem == null ? "no memory limit" : mem + " MB");
    }

    /** The two-column table of one instance, as inspect prints it. */
    static Table details(JsonNode instance, Instant now) {
        Table table = Table.headless(2)
                .add("name:", Fields.text(instance, "name"))
                .add("id:", Fields.text(instance, "id"))
                .add("status:", status(instance))
                .add("reason:", Fields.text(instance, "reason"))
                .add("exit code:", Fields.number(instance, "exit_code"))
                .add("pid:", Fields.number(instance, "pid"))
                .add("image:", Fields.text(instance, "image"))
                .add("command:", command(instance, false))
                .add("restart:", restart(instance))
                .add("resources:", resources(instance.get("resources")));
        rows(table, "env:", Fields.texts(instance, "env"));
        rows(table, "volumes:", Fields.texts(instance, "volumes"));
        JsonNode network = instance.path("network");
        table.add("network:", Fields.text(network, "network"))
                .add("ipv4:", Fields.text(network, "ipv4"))
                .add("ipv6:", Fields.text(network, "ipv6"));
        rows(table, "ports:", Fields.texts(instance, "ports"));
        return table
                .add("node:", Fields.text(instance, "node"))
                .add("created:", Formats.instant(Fields.instant(instance, "created_at"), now))
                .add("started:", Formats.instant(Fields.instant(instance, "started_at"), now))
                .add("finished:", Formats.instant(Fields.instant(instance, "finished_at"), now));
    }

    /** One row per value, the label on the first; "-" for none. */
    private static void rows(Table table, String label, List<String> values) {
        if (values.isEmpty()) {
            table.add(label, null);
        }
        for (int i = 0; i < values.size(); i++) {
            table.add(i == 0 ? label : "", values.get(i));
        }
    }
}
