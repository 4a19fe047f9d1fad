package dev.vulcan.cli;

import dev.vulcan.cli.http.RawServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Canned answers on a unix socket, for the formatting and exit-status tests of the commands only;
 * the end-to-end tests run the real daemon. Routes are method plus path, query ignored; anything
 * else is a 404 in the API's error shape. Registered as an extension, it listens on a socket of
 * its own during each test and fails the test if a route threw:
 *
 * <pre>
 * &#64;RegisterExtension
 * final FakeDaemon daemon = new FakeDaemon().on("GET", "/v1/nodes", RawServer.json(200, NODES));
 * </pre>
 */
final class FakeDaemon implements BeforeEachCallback, AfterEachCallback {
    private final Map<String, RawServer.Script> routes = new ConcurrentHashMap<>();
    private Path dir;
    private RawServer server;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("vulcan-cli-test");
        server = RawServer.start(socket(), (request, connection) -> {
            RawServer.Script route = routes.get(request.method() + " " + request.path());
            if (route == null) {
                route = RawServer.json(404,
                        "{\"error\":{\"code\":\"not_found\",\"message\":\"no route " + request.path() + "\"}}");
            }
            route.answer(request, connection);
        });
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        server.close();
        Files.deleteIfExists(socket());
        Files.deleteIfExists(dir);
        if (!server.failures().isEmpty()) {
            throw new AssertionError("the fake daemon failed", server.failures().getFirst());
        }
    }

    Path socket() {
        return dir.resolve("vulcan.sock");
    }

    FakeDaemon on(String method, String path, RawServer.Script script) {
        routes.put(method + " " + path, script);
        return this;
    }

    List<RawServer.Request> requests() {
        return server.requests();
    }
}
