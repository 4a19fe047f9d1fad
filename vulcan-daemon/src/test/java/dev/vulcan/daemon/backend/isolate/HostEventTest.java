package dev.vulcan.daemon.backend.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.LogSink;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class HostEventTest {

    private final JsonMapper mapper = JsonMapper.builder().build();

    @Test
    void parsesEveryKnownType() {
        assertThat(parse("{\"type\":\"ready\",\"pid\":42,\"deno\":\"2.9.6\",\"v8\":\"15.0\"}"))
                .isEqualTo(new HostEvent.Ready(42, "2.9.6", "15.0"));
        assertThat(parse("{\"type\":\"log\",\"id\":\"7\",\"stream\":\"stderr\",\"line\":\"oops\"}"))
                .isEqualTo(new HostEvent.Log("7", LogSink.Stream.STDERR, "oops"));
        assertThat(parse("{\"type\":\"result\",\"id\":\"7\",\"ok\":true,\"output_json\":\"{\\\"sum\\\":3}\"}"))
                .isEqualTo(new HostEvent.Result("7", true, "{\"sum\":3}", "exception", "", ""));
        assertThat(parse("{\"type\":\"result\",\"id\":\"7\",\"ok\":false,\"reason\":\"timeout\",\"message\":\"m\",\"stack\":\"s\"}"))
                .isEqualTo(new HostEvent.Result("7", false, "null", "timeout", "m", "s"));
        assertThat(parse("{\"type\":\"pong\",\"seq\":3}")).isEqualTo(new HostEvent.Pong(3));
    }

    @Test
    void unknownTypesAreKeptApart() {
        assertThat(parse("{\"type\":\"hello\"}")).isEqualTo(new HostEvent.Unknown("hello"));
        assertThat(parse("{}")).isEqualTo(new HostEvent.Unknown(""));
    }

    @Test
    void commandsAreOneJsonObject() {
        String run = HostCommand.toJson(new HostCommand.Run("1", "ts", "export default () => 1", "null", 5000), mapper);

        assertThat(mapper.readTree(run).toString()).isEqualTo(
                "{\"type\":\"run\",\"id\":\"1\",\"lang\":\"ts\",\"code\":\"export default () => 1\","
                        + "\"input_json\":\"null\",\"timeout_ms\":5000}");
        assertThat(HostCommand.toJson(new HostCommand.Kill("1"), mapper)).isEqualTo("{\"type\":\"kill\",\"id\":\"1\"}");
        assertThat(HostCommand.toJson(new HostCommand.Ping(9), mapper)).isEqualTo("{\"type\":\"ping\",\"seq\":9}");
    }

    private HostEvent parse(String json) {
        return HostEvent.parse(mapper.readTree(json));
    }
}
