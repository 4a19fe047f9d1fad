package dev.vulcan.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.HttpRequest;
import dev.vulcan.cli.http.HttpResponse;
import dev.vulcan.cli.http.UnixHttpClient;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.subtree.NodeSubtree;
import dev.vulcan.daemon.net.subtree.Routes;
import dev.vulcan.daemon.net.subtree.SubtreeAllocator;
import dev.vulcan.daemon.store.Database;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** /v1/subtree over the real HTTP stack (Jetty on a unix socket, the API's error mapping), routes faked. */
class SubtreeEndpointsTest {

    private static final JsonMapper JSON = Json.mapper();

    @TempDir
    Path dir;

    private final List<String> routed = new ArrayList<>();
    private Database database;
    private Server server;
    private UnixHttpClient client;

    @BeforeEach
    void start() throws Exception {
        database = Database.open(dir.resolve("vulcan.db"));
        Routes routes = new Routes() {
            @Override
            public void replace(IpPrefix destination, InetAddress via, String device) {
                routed.add("replace " + destination + " via " + IpPrefix.text(via) + " dev " + device);
            }

            @Override
            public void delete(IpPrefix destination, InetAddress via, String device) {
                routed.add("del " + destination);
            }
        };
        SubtreeAllocator allocator = new SubtreeAllocator(NodeSubtree.parse("fd00:1000::/20"), database, routes,
                "vulcan0", Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        Router router = new Router();
        new SubtreeEndpoints(allocator).register(router);
        Path socket = dir.resolve("api.sock");
        server = RouterServer.start(router, socket, JSON);
        client = new UnixHttpClient(socket);
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        database.close();
    }

    @Test
    void anEmptySubtreeShowsWhatTheNodeKeeps() throws IOException {
        HttpResponse response = client.send(HttpRequest.get("/v1/subtree"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(tree(response)).isEqualTo(JSON.readTree("""
                {"subtree":"fd00:1000::/20","own_space":"fd00:1000::/24","bridge_subnet":"fd00:1000::/64",
                 "delegations":[]}"""));
    }

    @Test
    void delegateListAndRelease() throws IOException {
        HttpResponse created = post("{\"child\":\"c1\"}");

        assertThat(created.status()).isEqualTo(201);
        JsonNode c1 = JSON.readTree("""
                {"child":"c1","prefix":"fd00:1100::/24","uplink":"fd00:1000::1:1",
                 "created_at":"2026-01-01T00:00:00Z","route":"installed"}""");
        assertThat(tree(created)).isEqualTo(c1);
        assertThat(post("{\"child\":\"c1\"}").status()).as("idempotent").isEqualTo(201);
        assertThat(tree(client.send(HttpRequest.get("/v1/subtree"))).get("delegations")).containsExactly(c1);
        assertThat(routed).first().isEqualTo("replace fd00:1100::/24 via fd00:1000::1:1 dev vulcan0");

        HttpResponse released = client.send(HttpRequest.delete("/v1/subtree/delegations/c1"));

        assertThat(released.status()).isEqualTo(204);
        assertThat(released.body()).isEmpty();
        assertThat(routed).last().isEqualTo("del fd00:1100::/24");
        assertThat(tree(client.send(HttpRequest.get("/v1/subtree"))).get("delegations")).isEmpty();
    }

    @Test
    void badInputGetsTheApiErrorShape() throws IOException {
        assertError(post("{\"child\":\"../x\"}"), 400, "invalid_name");
        assertError(post("{}"), 400, "invalid_name");
        assertError(post("{\"child\":"), 400, "invalid_json");
        assertError(client.send(HttpRequest.delete("/v1/subtree/delegations/ghost")), 404, "delegation_not_found");
        for (int i = 1; i <= 15; i++) post("{\"child\":\"c" + i + "\"}");
        assertError(post("{\"child\":\"c16\"}"), 409, "subtree_exhausted");
    }

    private HttpResponse post(String body) throws IOException {
        return client.send(HttpRequest.post("/v1/subtree/delegations", "application/json",
                body.getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertError(HttpResponse response, int status, String code) {
        assertThat(response.status()).as(response.bodyText()).isEqualTo(status);
        assertThat(tree(response).path("error").path("code").asString()).isEqualTo(code);
        assertThat(tree(response).path("error").path("message").asString()).isNotBlank();
    }

    private static JsonNode tree(HttpResponse response) {
        return JSON.readTree(response.body());
    }
}
