package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.cli.http.RawServer;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LogsCommandTest {

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    private static String line(String stream, String text) {
        return "event: " + stream + "\ndata: " + Samples.logEvent(stream, text) + "\n\n";
    }

    @Test
    void printsStdoutLinesToStdoutAndStderrLinesToStderr() {
        daemon.on("GET", "/v1/workloads/w1/logs", RawServer.events(
                line("stdout", "hello"), line("stderr", "warning"), line("stdout", "world"),
                "event: end\ndata: " + Samples.COMPLETED + "\n\n"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", "w1");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("hello\nworld\n");
        assertThat(result.err()).isEqualTo("warning\n");
        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/workloads/w1/logs");
        assertThat(daemon.requests().getFirst().headers()).containsEntry("accept", "text/event-stream");
    }

    @Test
    void followAsksTheDaemonToKeepStreamingAndStopsAtTheEnd() {
        CountDownLatch commandDone = new CountDownLatch(1);
        daemon.on("GET", "/v1/workloads/w1/logs", (request, connection) -> {
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

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", "-f", "w1");
        commandDone.countDown();

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("tick\n");
        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/workloads/w1/logs?follow=true");
    }

    @Test
    void aStreamThatStopsBeforeTheEndIsAnError() {
        daemon.on("GET", "/v1/workloads/w1/logs", RawServer.events(line("stdout", "partial")));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", "--follow", "w1");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("partial\n");
        assertThat(result.err()).isEqualTo("vulcan: talking to the daemon: the log stream ended before the workload did\n");
    }

    @Test
    void jsonPrintsEachLogEventOnItsOwnLine() {
        daemon.on("GET", "/v1/workloads/w1/logs", RawServer.events(
                line("stdout", "a"), line("stderr", "b"), "event: end\ndata: {}\n\n"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "logs", "w1", "-o", "json");

        assertThat(result.out()).isEqualTo("""
                {"time":"2025-06-01T11:55:00Z","stream":"stdout","line":"a"}
                {"time":"2025-06-01T11:55:00Z","stream":"stderr","line":"b"}
                """);
        assertThat(result.err()).isEmpty();
    }
}
