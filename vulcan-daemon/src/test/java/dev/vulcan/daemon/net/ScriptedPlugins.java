package dev.vulcan.daemon.net;

import dev.vulcan.daemon.net.cni.PluginExec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * CNI plugins that run nothing: bridge ADD hands out the next address of each range of its IPAM config (as
 * host-local would), the others echo prevResult; a "type/COMMAND" can be made to fail with a CNI error.
 */
final class ScriptedPlugins implements PluginExec {

    record Call(String type, String command, Map<String, String> env, JsonNode config) {}

    private final JsonMapper json = JsonMapper.builder().build();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Output> failures = new HashMap<>();
    private final AtomicInteger next = new AtomicInteger(2);

    void fail(String typeAndCommand, int code, String msg) {
        String error = json.createObjectNode().put("cniVersion", "1.0.0").put("code", code).put("msg", msg).toString();
        failures.put(typeAndCommand, new Output(1, error.getBytes(StandardCharsets.UTF_8), "", false));
    }

    List<String> sequence() {
        return calls.stream().map(c -> c.type() + "/" + c.command() + "/" + c.env().get("CNI_CONTAINERID")).toList();
    }

    @Override
    public Output run(Path binary, Map<String, String> env, byte[] stdin, Duration deadline) throws IOException {
        JsonNode config = json.readTree(stdin);
        Call call = new Call(binary.getFileName().toString(), env.get("CNI_COMMAND"), Map.copyOf(env), config);
        calls.add(call);
        Output failure = failures.get(call.type() + "/" + call.command());
        if (failure != null) return failure;
        if (!call.command().equals("ADD")) return out("");
        if (call.type().equals("bridge")) return out(bridgeResult(config, env.get("CNI_NETNS")).toString());
        return out(json.writeValueAsString(config.path("prevResult")));
    }

    private ObjectNode bridgeResult(JsonNode config, String netns) {
        int host = next.getAndIncrement();
        ObjectNode result = json.createObjectNode().put("cniVersion", "1.0.0");
        result.putArray("interfaces").addObject().put("name", "eth0").put("mac", "02:00:00:00:00:01").put("sandbox", netns);
        var ips = result.putArray("ips");
        for (JsonNode range : config.path("ipam").path("ranges")) {
            IpPrefix subnet = IpPrefix.parse(range.path(0).path("subnet").asString());
            var address = subnet.address(subnet.ipv6() ? 0x1000 + host : host);
            ips.addObject().put("address", IpPrefix.text(address) + "/" + subnet.length())
                    .put("gateway", range.path(0).path("gateway").asString()).put("interface", 0);
        }
        return result;
    }

    private static Output out(String stdout) {
        return new Output(0, stdout.getBytes(StandardCharsets.UTF_8), "", false);
    }
}
