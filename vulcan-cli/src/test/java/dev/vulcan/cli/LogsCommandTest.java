package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.cli.http.RawServer;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LogsCommandTest {

    /** A workload id: a ULID. */
    private static final String W = "01JX0000000000000000000001";

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    private static String line(String stream, String text) {
        return "event: " + stream + "\ndata: " + Samples.logEvent(stream, text) + "\n\n";
    }

    @Test
    void printsStdoutLinesToStdoutAndStderrLinesToStderr() {
        daemon.on("GET", "/v1/workloads/" + W + "/logs", RawServer.events(
                line("stdout", "hello"), line("stderr", "warning"), line("stdout", "world"),
                "event: end\ndata: " + Samples.COMPLETED + "\n\n"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", W);

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("hello\nworld\n");
        assertThat(result.err()).isEqualTo("warning\n");
        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/workloads/" + W + "/logs");
        assertThat(daemon.requests().getFirst().headers()).containsEntry("accept", "text/event-stream");
    }

    @Test
    void followAsksTheDaemonToKeepStreamingAndStopsAtTheEnd() {
        CountDownLatch commandDone = new CountDownLatch(1);
        daemon.on("GET", "/v1/workloads/" + W + "/logs", (request, connection) -> {
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            connection.chunk(line("stdout", "tick")).chunk("event: end\ndata: {}\n\n");
            try {
                connection.chunk(line("stdout", "after the end"));
            } catch (IOException hungUp) {
                // the CLI may hang up as soon as it has read the end event
            }
            // the stream is left open: the end event, not the close, must end the command
            commandDone.await(10, TimeUnit.SECONDS);
        });

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", "-f", W);
        commandDone.countDown();

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("tick\n");
        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/workloads/" + W + "/logs?follow=true");
    }

    @Test
    void aStreamThatStopsBeforeTheEndIsAnError() {
        daemon.on("GET", "/v1/workloads/" + W + "/logs", RawServer.events(line("stdout", "partial")));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", "--follow", W);

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("partial\n");
        assertThat(result.err()).isEqualTo("vulcan: talking to the daemon: the log stream ended before the workload did\n");
    }

    @Test
    void jsonPrintsEachLogEventOnItsOwnLine() {
        daemon.on("GET", "/v1/workloads/" + W + "/logs", RawServer.events(
                line("stdout", "a"), line("stderr", "b"), "event: end\ndata: {}\n\n"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", W, "-o", "json");

        assertThat(result.out()).isEqualTo("""
                {"time":"2025-06-01T11:55:00Z","stream":"stdout","line":"a"}
                {"time":"2025-06-01T11:55:00Z","stream":"stderr","line":"b"}
                """);
        assertThat(result.err()).isEmpty();
    }

    @Test
    void aNameIsAnInstancesLog() {
        daemon.on("GET", "/v1/instances/web/logs", RawServer.events(
                line("stdout", "tick"), line("stderr", "warn"), "event: end\ndata: " + InstanceCommandTest.WEB + "\n\n"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", "-f", "web");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("tick\n");
        assertThat(result.err()).isEqualTo("warn\n");
        assertThat(daemon.requests()).extracting(RawServer.Request::target)
                .containsExactly("/v1/instances/web/logs?follow=true");
        assertThat(Cli.run("--socket", daemon.socket().toString(), "instance", "logs", "web").out()).isEqualTo("tick\n");
    }

    @Test
    void aLowerCaseIdIsStillAWorkload() {
        String id = W.toLowerCase(java.util.Locale.ROOT);
        daemon.on("GET", "/v1/workloads/" + id + "/logs", RawServer.events(
                line("stdout", "hello"), "event: end\ndata: " + Samples.COMPLETED + "\n\n"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", id);

        assertThat(result.out()).isEqualTo("hello\n");
        assertThat(daemon.requests()).hasSize(1);
    }

    @Test
    void anInstanceNamedLikeAnIdIsFoundAfterTheWorkloadIsNot() {
        String name = "abcdefghjkmnpqrstvwxyz0123";
        daemon.on("GET", "/v1/workloads/" + name + "/logs", RawServer.json(404,
                        Samples.error("workload_not_found", "no workload with id " + name)))
                .on("GET", "/v1/instances/" + name + "/logs", RawServer.events(
                        line("stdout", "from the instance"), "event: end\ndata: {}\n\n"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", name);

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("from the instance\n");
    }

    @Test
    void anIdThatIsNeitherSaysNoWorkload() {
        daemon.on("GET", "/v1/workloads/" + W + "/logs", RawServer.json(404,
                        Samples.error("workload_not_found", "no workload with id " + W)))
                .on("GET", "/v1/instances/" + W + "/logs", RawServer.json(404,
                        Samples.error("instance_not_found", "no instance named " + W)));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", W);

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: no workload with id " + W + " (workload_not_found)\n");
    }

    @Test
    void anUnknownInstanceIsOneLine() {
        daemon.on("GET", "/v1/instances/nope/logs", RawServer.json(404,
                Samples.error("instance_not_found", "no instance named nope")));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", "nope");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: no instance named nope (instance_not_found)\n");
    }
}
