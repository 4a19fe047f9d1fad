package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.cli.http.RawServer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MainTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    @Test
    void helpListsTheCommandsAndTheDaemonOfTheLauncher() {
        Cli.Result result = Cli.run("--help");

        assertThat(result.exit()).isZero();
        assertThat(result.out())
                .contains("run", "status", "logs", "ls", "kill", "backends", "nodes", "completion")
                .contains("create", "start", "stop", "restart", "rm", "inspect", "ps", "instance", "volume")
                .contains("vulcan daemon [--state-dir DIR] [--socket PATH] [--listen HOST:PORT]  start the node daemon");
    }

    @Test
    void printsTheVersion() {
        Cli.Result result = Cli.run("--version");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).startsWith("vulcan ");
    }

    @Test
    void noArgumentsIsAUsageError() {
        Cli.Result result = Cli.run();

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("Usage: vulcan");
    }

    @Test
    void aMissingSocketSaysThereIsNoDaemonInOneLine() {
        Path socket = dir.resolve("missing.sock");

        Cli.Result result = Cli.run("--socket", socket.toString(), "ls");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo("vulcan: no daemon at " + socket + " (start one with: vulcan daemon)\n");
    }

    @Test
    void aRefusedConnectSaysThereIsNoDaemon() throws Exception {
        Path socket = dir.resolve("dead.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }

        Cli.Result result = Cli.run("status", "w1", "--socket", socket.toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("vulcan: no daemon at " + socket + " (start one with: vulcan daemon)\n");
    }

    @Test
    void theSocketComesFromTheEnvironmentThenTheDefault() {
        Path socket = dir.resolve("from-env.sock");

        Cli.Result fromEnvironment = Cli.run(Map.of("VULCAN_SOCKET", socket.toString()), "", "nodes");
        Cli.Result byDefault = Cli.run(Map.of("VULCAN_SOCKET", ""), "", "backends");

        assertThat(fromEnvironment.err()).isEqualTo("vulcan: no daemon at " + socket + " (start one with: vulcan daemon)\n");
        assertThat(byDefault.err()).startsWith("vulcan: no daemon at /run/vulcan/vulcan.sock");
    }

    /** The same one line whether the command reads the answer whole (status) or as an event stream (logs). */
    @ParameterizedTest
    @CsvSource({"status, /v1/workloads/nope", "logs, /v1/instances/nope/logs"})
    void anApiErrorIsOneLineWithItsCode(String command, String path) {
        daemon.on("GET", path, RawServer.json(404, Samples.error("not_found", "no workload nope")));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), command, "nope");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: no workload nope (not_found)\n");
    }

    @Test
    void anErrorWithoutTheApiShapeStillFitsOneLine() {
        daemon.on("GET", "/v1/nodes", RawServer.json(502, "<html>bad gateway</html>"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "nodes");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: the daemon answered 502 Whatever (http_502)\n");
    }

    @Test
    void anUnreadableAnswerIsReportedWithoutAStackTrace() {
        daemon.on("GET", "/v1/workloads/w1", RawServer.json(200, "{not json"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "status", "w1");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("vulcan: unexpected answer from the daemon: ").doesNotContain("\tat ");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void aConnectionCutMidAnswerIsOneLine() {
        daemon.on("GET", "/v1/backends", (request, connection) ->
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[{"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "backends");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("vulcan: talking to the daemon: ");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void anUnknownCommandIsAOneLineUsageError() {
        Cli.Result result = Cli.run("frobnicate");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.err()).startsWith("vulcan: ").contains("frobnicate");
    }

    @Test
    void aMissingIdIsAUsageError() {
        Cli.Result result = Cli.run("status");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("vulcan: Missing required parameter: 'ID' (see 'vulcan status --help')\n");
    }

    @Test
    void helpDescribesACommand() {
        Cli.Result result = Cli.run("help", "logs");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).startsWith("Usage: vulcan logs").contains("--follow");
    }

    @Test
    void subcommandsPrintTheVersionToo() {
        assertThat(Cli.run("ls", "--version").out()).startsWith("vulcan ");
    }

    @Test
    void anUnknownOutputFormatIsAUsageError() {
        Cli.Result result = Cli.run("ls", "-o", "yaml");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void completionPrintsABashScript() {
        Cli.Result result = Cli.run("completion");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).contains("complete -F", "_complete_vulcan", "backends", "--follow")
                .contains("instance", "volume", "--restart", "--volume");
    }
}
