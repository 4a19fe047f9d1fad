package dev.vulcan.daemon.net.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A scripted {@link PluginExec}: records every call and answers per "type/COMMAND" (default: echo prevResult). */
final class FakePlugins implements PluginExec {

    record Call(String type, String command, Map<String, String> env, JsonNode config) {}

    private final JsonMapper json = JsonMapper.builder().build();
    final List<Call> calls = new ArrayList<>();
    private final Map<String, Function<Call, Output>> answers = new HashMap<>();

    FakePlugins answer(String typeAndCommand, Function<Call, Output> answer) {
        answers.put(typeAndCommand, answer);
        return this;
    }

    FakePlugins answer(String typeAndCommand, int exitCode, String stdout) {
        return answer(typeAndCommand, c -> out(exitCode, stdout));
    }

    static Output out(int exitCode, String stdout) {
        return new Output(exitCode, stdout.getBytes(StandardCharsets.UTF_8), "", false);
    }

    List<String> sequence() {
        return calls.stream().map(c -> c.type() + "/" + c.command()).toList();
    }

    @Override
    public Output run(Path binary, Map<String, String> env, byte[] stdin, Duration deadline) throws IOException {
        JsonNode config = json.readTree(stdin);
        Call call = new Call(binary.getFileName().toString(), env.get("CNI_COMMAND"), Map.copyOf(env), config);
        calls.add(call);
        Function<Call, Output> answer = answers.get(call.type() + "/" + call.command());
        if (answer != null) {
            return answer.apply(call);
        }
        if (!call.command().equals("ADD")) {
            return out(0, "");
        }
        JsonNode prev = config.path("prevResult");
        return out(0, prev.isObject() ? json.writeValueAsString(prev) : "{\"cniVersion\":\"1.0.0\"}");
    }
}
