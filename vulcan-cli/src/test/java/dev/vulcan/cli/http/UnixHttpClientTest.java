package dev.vulcan.cli.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixHttpClientTest {

    @TempDir
    Path dir;

    private RawServer server;

    private UnixHttpClient start(RawServer.Script script) throws IOException {
        Path socket = dir.resolve("d.sock");
        server = RawServer.start(socket, script);
        return new UnixHttpClient(socket);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            assertThat(server.failures()).isEmpty();
        }
    }

    @Test
    void readsABodyOfContentLengthWithoutWaitingForTheConnectionToClose() throws Exception {
        CountDownLatch clientDone = new CountDownLatch(1);
        UnixHttpClient client = start((request, connection) -> {
            connection.write("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Twice: a\r\n"
                    + "x-twice: b\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
            clientDone.await(10, TimeUnit.SECONDS); // connection stays open: only the length ends the body
        });

        HttpResponse response = client.send(HttpRequest.post("/v1/workloads", "application/json",
                "{\"code\":\"1\"}".getBytes(StandardCharsets.UTF_8)).withHeader("Accept", "application/json"));
        clientDone.countDown();

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.reason()).isEqualTo("Created");
        assertThat(response.bodyText()).isEqualTo("{\"ok\":true}");
        assertThat(response.header("content-type")).isEqualTo("application/json");
        assertThat(response.header("X-TWICE")).isEqualTo("a, b");
        RawServer.Request request = server.requests().getFirst();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.target()).isEqualTo("/v1/workloads");
        assertThat(request.headers())
                .containsEntry("host", "vulcan")
                .containsEntry("connection", "close")
                .containsEntry("content-length", "12")
                .containsEntry("content-type", "application/json")
                .containsEntry("accept", "application/json");
        assertThat(request.bodyText()).isEqualTo("{\"code\":\"1\"}");
    }

    @Test
    void sendsNoContentLengthOnABodilessGet() throws Exception {
        UnixHttpClient client = start((request, connection) ->
                connection.write("HTTP/1.1 204 No Content\r\n\r\n"));

        HttpResponse response = client.send(HttpRequest.get("/healthz?x=1"));

        assertThat(response.status()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(server.requests().getFirst().target()).isEqualTo("/healthz?x=1");
        assertThat(server.requests().getFirst().headers()).doesNotContainKey("content-length");
    }

    @Test
    void decodesAChunkedBodyWithExtensionsAndTrailers() throws Exception {
        CountDownLatch clientDone = new CountDownLatch(1);
        UnixHttpClient client = start((request, connection) -> {
            connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .write("4\r\nWiki\r\n")
                    .write("5;name=value\r\npedia\r\n")
                    .write("E\r\n in\r\n\r\nchunks.\r\n")
                    .write("0\r\nX-Trailer: yes\r\n\r\n");
            clientDone.await(10, TimeUnit.SECONDS); // the last chunk, not the close, ends the body
        });

        HttpResponse response = client.send(HttpRequest.get("/v1/backends"));
        clientDone.countDown();

        assertThat(response.bodyText()).isEqualTo("Wikipedia in\r\n\r\nchunks.");
    }

    @Test
    void readsToTheEndOfTheStreamWhenTheBodyHasNoLength() throws Exception {
        UnixHttpClient client = start((request, connection) ->
                connection.write("HTTP/1.1 200 OK\r\n\r\nall of it\nuntil close"));

        assertThat(client.send(HttpRequest.get("/")).bodyText()).isEqualTo("all of it\nuntil close");
    }

    @Test
    void skipsAnInterimResponse() throws Exception {
        UnixHttpClient client = start((request, connection) ->
                connection.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

        assertThat(client.send(HttpRequest.get("/")).bodyText()).isEqualTo("ok");
    }

    @Test
    void returnsErrorStatusesWithTheirBody() throws Exception {
        UnixHttpClient client = start((request, connection) -> connection.write(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 47\r\n\r\n{\"error\":{\"code\":\"not_found\",\"message\":\"gone\"}}"));

        HttpResponse response = client.send(HttpRequest.get("/v1/workloads/x"));

        assertThat(response.isSuccess()).isFalse();
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.bodyText()).contains("not_found");
    }

    @Test
    void streamsServerSentEventsSplitAcrossChunksAndReadsAsTheyArrive() throws Exception {
        CountDownLatch firstEventSeen = new CountDownLatch(1);
        byte[] snowman = "☃".getBytes(StandardCharsets.UTF_8);
        UnixHttpClient client = start((request, connection) -> {
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            connection.chunk("event: std").chunk("out\r\nda").chunk("ta: {\"line\":\"one\"}\r").chunk("\n\r\n");
            // nothing more is sent until the client has handed on the first event
            if (!firstEventSeen.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the first event was not delivered before the stream went on");
            }
            connection.chunk("event: stderr\ndata: a").chunk(new byte[] {snowman[0]})
                    .chunk(new byte[] {snowman[1], snowman[2]}).chunk("\ndata: b\n\n")
                    .chunk(": a comment\n\nevent: end\ndata: {}\n\n").lastChunk();
        });

        List<SseEvent> events = new ArrayList<>();
        try (ResponseStream response = client.open(HttpRequest.get("/v1/workloads/w/logs?follow=true"))) {
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Content-Type")).isEqualTo("text/event-stream");
            boolean ended = SseParser.read(response.body(), event -> {
                events.add(event);
                firstEventSeen.countDown();
                return true;
            });
            assertThat(ended).isTrue();
        }

        assertThat(events).containsExactly(
                new SseEvent("stdout", "{\"line\":\"one\"}", ""),
                new SseEvent("stderr", "a☃\nb", ""),
                new SseEvent("end", "{}", ""));
    }

    @Test
    void stopsReadingWhenTheListenerSaysSo() throws Exception {
        CountDownLatch clientDone = new CountDownLatch(1);
        UnixHttpClient client = start((request, connection) -> {
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
                    .write("event: end\ndata: {}\n\n");
            clientDone.await(10, TimeUnit.SECONDS); // the stream stays open
        });

        List<String> seen = new ArrayList<>();
        try (ResponseStream response = client.open(HttpRequest.get("/logs"))) {
            boolean ended = SseParser.read(response.body(), event -> {
                seen.add(event.event());
                return false;
            });
            assertThat(ended).isFalse();
        }
        clientDone.countDown();
        assertThat(seen).containsExactly("end");
    }

    @Test
    void aMissingSocketFileIsUnreachable() {
        UnixHttpClient client = new UnixHttpClient(dir.resolve("none.sock"));

        assertThatThrownBy(() -> client.send(HttpRequest.get("/healthz")))
                .isInstanceOfSatisfying(UnreachableSocketException.class, e -> {
                    assertThat(e.reason()).isEqualTo(UnreachableSocketException.Reason.MISSING);
                    assertThat(e.socket()).isEqualTo(dir.resolve("none.sock"));
                });
    }

    @Test
    void aSocketNobodyListensOnRefusesTheConnection() throws IOException {
        Path socket = dir.resolve("dead.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket)); // leaves the file behind when closed
        }
        UnixHttpClient client = new UnixHttpClient(socket);

        assertThatThrownBy(() -> client.send(HttpRequest.get("/healthz")))
                .isInstanceOfSatisfying(UnreachableSocketException.class,
                        e -> assertThat(e.reason()).isEqualTo(UnreachableSocketException.Reason.REFUSED));
    }

    @Test
    void rejectsWhatIsNotHttp() throws Exception {
        UnixHttpClient client = start((request, connection) -> connection.write("SSH-2.0-OpenSSH\r\n\r\n"));

        assertThatThrownBy(() -> client.send(HttpRequest.get("/")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("malformed HTTP status line");
    }

    @Test
    void reportsABodyCutShort() throws Exception {
        UnixHttpClient client = start((request, connection) ->
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"));

        assertThatThrownBy(() -> client.send(HttpRequest.get("/")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("5 bytes of the body missing");
    }

    @Test
    void refusesTargetsAndHeadersThatWouldBreakTheRequest() {
        assertThatThrownBy(() -> HttpRequest.get("/v1/workloads/a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpRequest.get("/x").withHeader("Accept", "a\r\nEvil: 1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpRequest.get("/x").withHeader("Content-Length", "1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
