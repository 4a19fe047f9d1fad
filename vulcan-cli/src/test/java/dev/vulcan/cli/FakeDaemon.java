package dev.vulcan.cli;

import dev.vulcan.cli.http.RawServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Canned answers on a unix socket, for the formatting and exit-status tests of the commands only;
 * the end-to-end tests run the real daemon. Routes are method plus path, query ignored; anything
 * else is a 404 in the API's error shape.
 */
final class FakeDaemon implements AutoCloseable {
    private final Map<String, RawServer.Script> routes = new ConcurrentHashMap<>();
    private final RawServer server;
    private final Path socket;

    private FakeDaemon(Path socket) throws IOException {
        this.socket = socket;
        this.server = RawServer.start(socket, (request, connection) -> {
            RawServer.Script route = routes.get(request.method() + " " + request.path());
            if (route == null) {
                json(404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no route " + request.path() + "\"}}")
                        .answer(request, connection);
            } else {
                route.answer(request, connection);
            }
        });
    }

    static FakeDaemon start(Path dir) throws IOException {
        return new FakeDaemon(dir.resolve("vulcan.sock"));
    }

    Path socket() {
        return socket;
    }

    FakeDaemon on(String method, String path, RawServer.Script script) {
        routes.put(method + " " + path, script);
        return this;
    }

    List<RawServer.Request> requests() {
        return server.requests();
    }

    /** A JSON answer framed by Content-Length. */
    static RawServer.Script json(int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return (request, connection) -> connection
                .write("HTTP/1.1 " + status + " Whatever\r\nContent-Type: application/json\r\nContent-Length: "
                        + bytes.length + "\r\n\r\n")
                .write(bytes);
    }

    /** An event stream, chunked, one chunk per event. */
    static RawServer.Script events(String... events) {
        return (request, connection) -> {
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (String event : events) {
                connection.chunk(event);
            }
            connection.lastChunk();
        };
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (!server.failures().isEmpty()) {
            throw new AssertionError("the fake daemon failed", server.failures().getFirst());
        }
    }
}
