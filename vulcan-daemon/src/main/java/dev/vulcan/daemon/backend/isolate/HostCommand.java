package dev.vulcan.daemon.backend.isolate;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** What the daemon tells a host, one JSON object per line (see isolate-host/README.md). */
sealed interface HostCommand {

    /** Runs one workload in the host's blank worker. */
    record Run(String id, String lang, String code, String inputJson, long timeoutMs) implements HostCommand {}

    /** Ends the workload with this id if it is the one running. */
    record Kill(String id) implements HostCommand {}

    record Ping(long seq) implements HostCommand {}

    static String toJson(HostCommand command, JsonMapper mapper) {
        ObjectNode node = mapper.createObjectNode();
        switch (command) {
            case Run run -> node.put("type", "run").put("id", run.id()).put("lang", run.lang())
                    .put("code", run.code()).put("input_json", run.inputJson()).put("timeout_ms", run.timeoutMs());
            case Kill kill -> node.put("type", "kill").put("id", kill.id());
            case Ping ping -> node.put("type", "ping").put("seq", ping.seq());
        }
        return mapper.writeValueAsString(node);
    }
}
