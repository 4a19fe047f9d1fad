package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.stream.StreamFrame;
import dev.vulcan.cli.http.RawServer;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The console command against a scripted daemon (the real one: MicroVmInstanceCliIT). */
class ConsoleCommandTest {

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    private final List<StreamFrame> received = new ArrayList<>();

    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.vulcan.stream\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";

    /** Echoes STDIN as the console would, and on STDIN_EOF (the detach) ends with EXIT 0. */
    private RawServer.Script console() {
        return (request, connection) -> {
            InputStream body = connection.chunkedBody();
            received.add(StreamFrame.read(body));
            connection.write(HEAD);
            for (StreamFrame frame; (frame = StreamFrame.read(body)) != null; ) {
                received.add(frame);
                if (frame.type() == StreamFrame.Type.STDIN) {
                    connection.chunk(new StreamFrame(StreamFrame.Type.STDOUT, frame.payload()).encode());
                }
                if (frame.type() == StreamFrame.Type.STDIN_EOF) {
                    break;
                }
            }
            connection.chunk(StreamFrame.text(StreamFrame.Type.EXIT, "{\"exit_code\":0}").encode());
            assertThat(StreamFrame.read(body)).isNull();
            connection.lastChunk();
        };
    }

    @Test
    void ctrlRightBracketDetachesAndIsNeverSent() {
        daemon.on("POST", "/v1/instances/vm/console", console());

        Cli.Result result = Cli.run(Map.of(), "ls\n\u001dnot sent\n", "--socket", daemon.socket().toString(), "console", "vm");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("ls\n");
        assertThat(result.err()).contains("detach with Ctrl-]").contains("detached from vm");
        assertThat(received.getFirst().type()).isEqualTo(StreamFrame.Type.START);
        assertThat(received).extracting(StreamFrame::type).containsExactly(StreamFrame.Type.START,
                StreamFrame.Type.STDIN, StreamFrame.Type.STDIN_EOF);
        assertThat(received.get(1).text()).isEqualTo("ls\n");
    }

    @Test
    void anInstanceWithoutAConsoleIsOneLine() {
        daemon.on("POST", "/v1/instances/web/console", RawServer.json(409, "{\"error\":{\"code\":\"console_unsupported\","
                + "\"message\":\"instance web runs in isolation container: only microvm instances have a console (use exec)\"}}"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "console", "web");

        assertThat(result.exit()).isNotZero();
        assertThat(result.err()).isEqualTo("vulcan: instance web runs in isolation container: only microvm instances have"
                + " a console (use exec) (console_unsupported)\n");
    }
}
