package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Image;
import dev.vulcan.api.ImageGc;
import dev.vulcan.api.Json;
import dev.vulcan.cli.http.RawServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ImageCommandTest {

    private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
    private static final String BUSYBOX = Samples.json(new Image("docker.io/library/busybox:1.36", DIGEST, 2_154_321, 1));
    private static final String APP = Samples.json(new Image("127.0.0.1:5000/team/app:2", "sha256:" + "f".repeat(64), 812, 3));
    private static final String BUSYBOX_PATH = "/v1/images/busybox%3A1.36";

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    @Test
    void lsShowsEachImage() {
        daemon.on("GET", "/v1/images", RawServer.json(200, "[" + BUSYBOX + "," + APP + "]"));

        Cli.Result result = cli("image", "ls");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                REF                              DIGEST                SIZE     LAYERS
                docker.io/library/busybox:1.36   sha256:0123456789ab   2.2 MB   1
                127.0.0.1:5000/team/app:2        sha256:ffffffffffff   812 B    3
                """);
    }

    @Test
    void lsAsJsonIsTheApiAnswer() {
        daemon.on("GET", "/v1/images", RawServer.json(200, "[" + BUSYBOX + "]"));

        Cli.Result result = cli("image", "ls", "-o", "json");

        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree("[" + BUSYBOX + "]"));
    }

    @Test
    void inspectEncodesTheReferenceIntoOnePathSegment() {
        daemon.on("GET", "/v1/images/127.0.0.1%3A5000%2Fteam%2Fapp%3A2", RawServer.json(200, APP));

        Cli.Result result = cli("image", "inspect", "127.0.0.1:5000/team/app:2");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                ref:      127.0.0.1:5000/team/app:2
                digest:   sha256:%s
                size:     812 B
                layers:   3
                """.formatted("f".repeat(64)));
    }

    @Test
    void pullAsksForProgressEventsAndPrintsALinePerBlobThenTheImage() {
        String layer = "sha256:" + "ab".repeat(32);
        daemon.on("POST", "/v1/images/pull", RawServer.events(
                "event: progress\ndata: {\"digest\":\"" + layer + "\",\"state\":\"downloading\",\"done_bytes\":0,\"total_bytes\":2154000}\n\n",
                "event: progress\ndata: {\"digest\":\"" + layer + "\",\"state\":\"downloaded\",\"done_bytes\":2154000,\"total_bytes\":2154000}\n\n",
                "event: pulled\ndata: " + BUSYBOX + "\n\n"));

        Cli.Result result = cli("image", "pull", "busybox:1.36");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(body(0)).isEqualTo(Json.mapper().readTree("{\"ref\":\"busybox:1.36\"}"));
        assertThat(daemon.requests().getFirst().headers()).containsEntry("accept", "text/event-stream");
        assertThat(result.out()).isEqualTo("""
                abababababab: downloaded 2.2 MB
                pulled docker.io/library/busybox:1.36 %s (2.2 MB)
                """.formatted(DIGEST));
    }

    @Test
    void anErrorEventAfterTheStreamStartedIsOneLineOnStderr() {
        daemon.on("POST", "/v1/images/pull", RawServer.events(
                "event: progress\ndata: {\"digest\":\"" + DIGEST + "\",\"state\":\"downloading\",\"done_bytes\":0,\"total_bytes\":9}\n\n",
                "event: error\ndata: " + Samples.error("truncated_blob", "blob x ended after 3 of 9 bytes; nothing was stored") + "\n\n"));

        Cli.Result result = cli("image", "pull", "busybox:1.36");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: blob x ended after 3 of 9 bytes; nothing was stored (truncated_blob)\n");
    }

    @Test
    void aPullRefusedBeforeAnyProgressIsThePlainApiError() {
        daemon.on("POST", "/v1/images/pull", RawServer.json(404,
                Samples.error("image_not_found", "not found in 127.0.0.1:5000/x: manifests/1")));

        Cli.Result result = cli("image", "pull", "127.0.0.1:5000/x:1");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: not found in 127.0.0.1:5000/x: manifests/1 (image_not_found)\n");
    }

    @Test
    void pullAsJsonIsTheApiAnswerWithoutEvents() {
        daemon.on("POST", "/v1/images/pull", RawServer.json(200, BUSYBOX));

        Cli.Result result = cli("-o", "json", "image", "pull", "busybox:1.36");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree(BUSYBOX));
        assertThat(daemon.requests().getFirst().headers()).containsEntry("accept", "application/json");
    }

    @Test
    void importSendsAnAbsolutePathAndTheName() {
        daemon.on("POST", "/v1/images/import", RawServer.json(200, "[" + BUSYBOX + "]"));

        Cli.Result result = cli("image", "import", "images/busybox.tar", "--name", "busybox:1.36");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(body(0).get("path").asString())
                .isEqualTo(Path.of("images/busybox.tar").toAbsolutePath().normalize().toString());
        assertThat(body(0).get("name").asString()).isEqualTo("busybox:1.36");
        assertThat(result.out()).isEqualTo("imported docker.io/library/busybox:1.36 " + DIGEST + "\n");
    }

    @Test
    void rmDeletesAndSaysWhat() {
        daemon.on("DELETE", BUSYBOX_PATH, RawServer.json(200, BUSYBOX));

        Cli.Result result = cli("image", "rm", "busybox:1.36");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("removed docker.io/library/busybox:1.36\n");
    }

    @Test
    void rmOfAnUnknownImageIsAnApiError() {
        daemon.on("DELETE", BUSYBOX_PATH, RawServer.json(404,
                Samples.error("image_not_found", "no image docker.io/library/busybox:1.36 in the store")));

        Cli.Result result = cli("image", "rm", "busybox:1.36");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err())
                .isEqualTo("vulcan: no image docker.io/library/busybox:1.36 in the store (image_not_found)\n");
    }

    @Test
    void gcSaysWhatItFreed() {
        daemon.on("POST", "/v1/images/gc", RawServer.json(200, Samples.json(new ImageGc(3, 2_500_000, 2))));

        Cli.Result result = cli("image", "gc");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("removed 3 blobs and 2 layers, freed 2.5 MB\n");
        Cli.Result json = cli("-o", "json", "image", "gc");
        assertThat(Json.mapper().readTree(json.out()).get("bytes_freed").asLong()).isEqualTo(2_500_000);
    }

    @Test
    void imageAloneIsAUsageErrorListingItsCommands() {
        Cli.Result result = Cli.run("image");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("Usage: vulcan image").contains("ls", "pull", "import", "inspect", "rm", "gc");
    }

    @Test
    void aMissingReferenceIsAUsageError() {
        Cli.Result result = cli("image", "rm");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("REF");
        assertThat(daemon.requests()).isEmpty();
    }

    private Cli.Result cli(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("--socket", daemon.socket().toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    private tools.jackson.databind.JsonNode body(int request) {
        return Json.mapper().readTree(new String(daemon.requests().get(request).body(), StandardCharsets.UTF_8));
    }
}
