package dev.vulcan.daemon.backend.isolate;

import dev.vulcan.daemon.backend.LogSink;
import tools.jackson.databind.JsonNode;

/** What a host tells the daemon, one JSON object per line (see isolate-host/README.md). */
sealed interface HostEvent {

    /** The host is connected and its first blank worker is booted. */
    record Ready(long pid, String deno, String v8) implements HostEvent {}

    record Log(String id, LogSink.Stream stream, String line) implements HostEvent {}

    /** ok with outputJson, or not ok with a reason (exception, timeout, killed, ...), message and stack. */
    record Result(String id, boolean ok, String outputJson, String reason, String message, String stack)
            implements HostEvent {}

    record Pong(long seq) implements HostEvent {}

    /** A message this daemon does not know; ignored. */
    record Unknown(String type) implements HostEvent {}

    static HostEvent parse(JsonNode node) {
        String type = node.path("type").asString("");
        return switch (type) {
            case "ready" -> new Ready(node.path("pid").asLong(-1), node.path("deno").asString(""),
                    node.path("v8").asString(""));
            case "log" -> new Log(node.path("id").asString(""),
                    "stderr".equals(node.path("stream").asString("")) ? LogSink.Stream.STDERR : LogSink.Stream.STDOUT,
                    node.path("line").asString(""));
            case "result" -> new Result(node.path("id").asString(""), node.path("ok").asBoolean(false),
                    node.path("output_json").asString("null"), node.path("reason").asString("exception"),
                    node.path("message").asString(""), node.path("stack").asString(""));
            case "pong" -> new Pong(node.path("seq").asLong(-1));
            default -> new Unknown(type);
        };
    }
}
