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

/** The exec command's side of the frame protocol, against a scripted daemon (the real one: ExecEndpointIT). */
class ExecCommandTest {

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    private final List<StreamFrame> received = new ArrayList<>();

    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.vulcan.stream\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";

    /** Answers like the daemon: reads frames up to STDIN_EOF, echoing STDIN as STDOUT, then the given frames. */
    private RawServer.Script session(StreamFrame... output) {
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
            for (StreamFrame frame : output) {
                connection.chunk(frame.encode());
            }
            // the client ends its body after EXIT
            assertThat(StreamFrame.read(body)).isNull();
            connection.lastChunk();
        };
    }

    private static StreamFrame exit(int code) {
        return StreamFrame.text(StreamFrame.Type.EXIT, "{\"exit_code\":" + code + "}");
    }

    @Test
    void printsStreamsAndExitsWithTheProcessesCode() {
        daemon.on("POST", "/v1/instances/web/exec", session(StreamFrame.text(StreamFrame.Type.STDOUT, "out\n"),
                StreamFrame.text(StreamFrame.Type.STDERR, "err\n"), exit(3)));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "exec", "web", "--", "sh", "-c", "exit 3");

        assertThat(result.exit()).isEqualTo(3);
        assertThat(result.out()).isEqualTo("out\n");
        assertThat(result.err()).isEqualTo("err\n");
        var request = daemon.requests().getFirst();
        assertThat(request.headers()).containsEntry("content-type", StreamFrame.MEDIA_TYPE)
                .containsEntry("transfer-encoding", "chunked");
        assertThat(received.getFirst().type()).isEqualTo(StreamFrame.Type.START);
        assertThat(received.getFirst().text()).contains("\"cmd\":[\"sh\",\"-c\",\"exit 3\"]")
                .contains("\"tty\":false").contains("\"interactive\":false");
        // without -i, stdin is not read: EOF at once
        assertThat(received.get(1).type()).isEqualTo(StreamFrame.Type.STDIN_EOF);
    }

    @Test
    void interactiveForwardsStdinAndACommandNeedsNoDoubleDash() {
        daemon.on("POST", "/v1/instances/web/exec", session(exit(0)));

        Cli.Result result = Cli.run(Map.of(), "héllo\n", "--socket", daemon.socket().toString(), "exec", "-i", "web",
                "cat", "-u");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("héllo\n");
        assertThat(received.getFirst().text()).contains("\"cmd\":[\"cat\",\"-u\"]").contains("\"interactive\":true");
    }

    @Test
    void ttyNeedsATerminalOnStdin() {
        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "exec", "-it", "web", "--", "sh");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("vulcan: the input device is not a TTY (drop -t, or run from a terminal)\n");
        assertThat(daemon.requests()).isEmpty();
    }

    @Test
    void unknownInstanceIsOneLine() {
        daemon.on("POST", "/v1/instances/nope/exec", RawServer.json(404,
                "{\"error\":{\"code\":\"instance_not_found\",\"message\":\"no instance named nope\"}}"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "exec", "nope", "--", "true");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: no instance named nope (instance_not_found)\n");
    }

    @Test
    void aCommandIsRequired() {
        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "exec", "web");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).startsWith("vulcan: ");
    }

}
