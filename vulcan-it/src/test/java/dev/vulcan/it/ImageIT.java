package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The image store through the API and the CLI of a real daemon, with archives built here. */
class ImageIT extends SharedDaemon {

    @Test
    void importListInspectRemoveAndCollectThroughTheApi() throws Exception {
        Path archive = temp.resolve("api.oci.tar");
        String digest = TestImage.ociArchive(archive, null, Map.of("etc/hostname", "api\n"));

        Http.Reply imported = http.postJson("/v1/images/import", Map.of("path", archive.toString(), "name", "it/api:1"));
        assertThat(imported.status()).as(imported.body()).isEqualTo(200);
        JsonNode image = imported.json().get(0);
        assertThat(image.get("ref").asString()).isEqualTo("docker.io/it/api:1");
        assertThat(image.get("digest").asString()).isEqualTo(digest);
        assertThat(image.get("layers").asInt()).isEqualTo(1);
        assertThat(image.get("size_bytes").asLong()).isGreaterThan(Files.size(archive) / 4);

        Http.Reply list = http.get("/v1/images");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().findValuesAsString("ref")).contains("docker.io/it/api:1");

        Http.Reply inspect = http.get("/v1/images/" + encode("it/api:1"));
        assertThat(inspect.status()).as(inspect.body()).isEqualTo(200);
        assertThat(inspect.json()).isEqualTo(image);

        Http.Reply removed = http.delete("/v1/images/" + encode("docker.io/it/api:1"));
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(http.get("/v1/images").json().findValuesAsString("ref")).doesNotContain("docker.io/it/api:1");
        assertThat(http.get("/v1/images/" + encode("it/api:1")).status()).isEqualTo(404);

        Http.Reply gc = http.post("/v1/images/gc", "{}");
        assertThat(gc.status()).as(gc.body()).isEqualTo(200);
        assertThat(gc.json().get("blobs_removed").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(gc.json().get("bytes_freed").asLong()).isPositive();
        assertThat(daemon.stateDir.resolve("images/blobs/sha256/" + digest.substring(7))).doesNotExist();
    }

    @Test
    void importListInspectRemoveAndCollectThroughTheCli() {
        Cli cli = new Cli(daemon.socket);
        Path archive = temp.resolve("cli.oci.tar");
        String digest = TestImage.ociArchive(archive, "cli-tag", Map.of("hello.txt", "from the cli\n"));

        Cli.Result imported = cli.run("image", "import", archive.toString(), "--name", "it/cli:1");
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).isEqualTo("imported docker.io/it/cli:1 " + digest + "\n");

        Cli.Result ls = cli.run("image", "ls");
        assertThat(ls.exit()).as(ls.err()).isZero();
        assertThat(ls.out()).startsWith("REF").contains("docker.io/it/cli:1").contains(digest.substring(0, 19));

        Cli.Result inspect = cli.run("image", "inspect", "it/cli:1", "-o", "json");
        assertThat(inspect.exit()).as(inspect.err()).isZero();
        assertThat(Http.mapper().readTree(inspect.out()).get("digest").asString()).isEqualTo(digest);

        Cli.Result rm = cli.run("image", "rm", "it/cli:1");
        assertThat(rm.exit()).as(rm.err()).isZero();
        assertThat(rm.out()).isEqualTo("removed docker.io/it/cli:1\n");

        Cli.Result again = cli.run("image", "rm", "it/cli:1");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("vulcan: no image docker.io/it/cli:1 in the store (image_not_found)\n");

        Cli.Result gc = cli.run("image", "gc");
        assertThat(gc.exit()).as(gc.err()).isZero();
        assertThat(gc.out()).startsWith("removed ").contains(" blobs and ");
    }

    @Test
    void anArchiveKeepsItsOwnNameWithoutOne() {
        Path archive = temp.resolve("named.oci.tar");
        TestImage.ociArchive(archive, "it/named:7", Map.of("a", "a"));

        Http.Reply imported = http.postJson("/v1/images/import", Map.of("path", archive.toString()));

        assertThat(imported.status()).as(imported.body()).isEqualTo(200);
        assertThat(imported.json().get(0).get("ref").asString()).isEqualTo("docker.io/it/named:7");
    }

    @Test
    void aMissingOrRelativePathIsRefused() {
        Http.Reply noPath = http.post("/v1/images/import", "{}");
        assertThat(noPath.status()).isEqualTo(400);
        assertThat(noPath.json().at("/error/code").asString()).isEqualTo("missing_path");

        Http.Reply relative = http.postJson("/v1/images/import", Map.of("path", "images/x.tar"));
        assertThat(relative.status()).isEqualTo(400);
        assertThat(relative.json().at("/error/message").asString()).contains("absolute");

        Http.Reply nothing = http.postJson("/v1/images/import", Map.of("path", temp.resolve("absent.tar").toString()));
        assertThat(nothing.status()).isEqualTo(404);
        assertThat(nothing.json().at("/error/message").asString()).contains("absent.tar");
    }

    @Test
    void aCorruptArchiveIsRefusedAndLeavesNoImage() throws Exception {
        Path archive = temp.resolve("corrupt.tar");
        Files.write(archive, "this is not a tar archive at all".repeat(40).getBytes(StandardCharsets.UTF_8));

        Http.Reply reply = http.postJson("/v1/images/import", Map.of("path", archive.toString(), "name", "it/corrupt:1"));

        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().at("/error/message").asString()).isNotBlank();
        assertThat(http.get("/v1/images").json().findValuesAsString("ref")).doesNotContain("docker.io/it/corrupt:1");
    }

    @Test
    void unknownAndMalformedReferences() {
        Http.Reply unknown = http.delete("/v1/images/" + encode("it/never-imported:1"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().at("/error/code").asString()).isEqualTo("image_not_found");

        Http.Reply malformed = http.get("/v1/images/" + encode("UPPER/Case:!!"));
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().at("/error/code").asString()).isEqualTo("invalid_reference");

        Http.Reply badName = http.postJson("/v1/images/import", Map.of("path", "/tmp/x.tar", "name", "a b"));
        assertThat(badName.status()).isEqualTo(400);
        assertThat(badName.json().at("/error/code").asString()).isEqualTo("invalid_reference");

        Http.Reply badPull = http.postJson("/v1/images/pull", Map.of("ref", "::"));
        assertThat(badPull.status()).isEqualTo(400);
    }

    @Test
    void pullFromARealRegistryOnLoopback() throws Exception {
        Path registryBinary = Path.of("/usr/bin/docker-registry");
        Path skopeo = Path.of("/usr/bin/skopeo");
        Tools.require(registryBinary, "scripts/setup (Debian package docker-registry)");
        Tools.require(skopeo, "scripts/setup (Debian package skopeo)");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path config = temp.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(temp.resolve("registry-data"), port));
        Process registry = new ProcessBuilder(registryBinary.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(temp.resolve("registry.log").toFile()).start();
        try {
            HttpClient probe = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> probe.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
            Path archive = temp.resolve("pushed.oci.tar");
            String digest = TestImage.ociArchive(archive, null, Map.of("etc/motd", "pulled\n"));
            String ref = "127.0.0.1:" + port + "/it/pushed:1";
            Cli.Result push = Cli.exec(List.of(skopeo.toString(), "--insecure-policy", "copy", "--dest-tls-verify=false",
                    "--preserve-digests", "oci-archive:" + archive, "docker://" + ref), temp);
            assertThat(push.exit()).as("skopeo copy: " + push.err()).isZero();

            Http.Reply pulled = http.postJson("/v1/images/pull", Map.of("ref", ref));
            assertThat(pulled.status()).as(pulled.body()).isEqualTo(200);
            assertThat(pulled.json().get("ref").asString()).isEqualTo(ref);
            assertThat(pulled.json().get("digest").asString()).isEqualTo(digest);
            assertThat(pulled.json().get("layers").asInt()).isEqualTo(1);

            Cli.Result again = new Cli(daemon.socket).run("image", "pull", ref);
            assertThat(again.exit()).as(again.err()).isZero();
            assertThat(again.out()).contains("pulled " + ref + " " + digest + " (");

            Http.Reply missing = http.postJson("/v1/images/pull", Map.of("ref", "127.0.0.1:" + port + "/it/absent:1"));
            assertThat(missing.status()).as(missing.body()).isBetween(400, 499);
        } finally {
            registry.destroy();
            assertThat(registry.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static String encode(String ref) {
        return URLEncoder.encode(ref, StandardCharsets.UTF_8);
    }
}
