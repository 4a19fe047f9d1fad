package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Json;
import dev.vulcan.api.Volume;
import dev.vulcan.api.VolumeList;
import dev.vulcan.cli.http.RawServer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class VolumeCommandTest {

    private static final Volume DATA = new Volume("data", "/var/lib/vulcan/volumes/data", List.of("web", "db"),
            Instant.parse("2025-06-01T11:00:00Z"));
    private static final Volume SPARE = new Volume("spare", "/var/lib/vulcan/volumes/spare", List.of(),
            Instant.parse("2025-06-01T11:59:00Z"));

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    @Test
    void createPostsTheName() {
        daemon.on("POST", "/v1/volumes", RawServer.json(201, Samples.json(SPARE)));

        Cli.Result result = cli("volume", "create", "spare");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("spare\n");
        assertThat(Json.mapper().readTree(new String(daemon.requests().getFirst().body(), StandardCharsets.UTF_8)))
                .isEqualTo(Json.mapper().readTree("{\"name\":\"spare\"}"));
    }

    @Test
    void lsShowsWhoMountsEach() {
        daemon.on("GET", "/v1/volumes", RawServer.json(200, Samples.json(new VolumeList(List.of(DATA, SPARE)))));

        Cli.Result result = cli("volume", "ls");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                NAME    USED BY   CREATED
                data    web, db   1h ago
                spare   -         1m ago
                """);
    }

    @Test
    void inspectShowsThePath() {
        daemon.on("GET", "/v1/volumes/data", RawServer.json(200, Samples.json(DATA)));

        Cli.Result result = cli("volume", "inspect", "data");

        assertThat(result.out()).isEqualTo("""
                name:      data
                path:      /var/lib/vulcan/volumes/data
                used by:   web, db
                created:   2025-06-01T11:00:00Z (1h ago)
                """);
        assertThat(Json.mapper().readTree(cli("-o", "json", "volume", "inspect", "data").out()))
                .isEqualTo(Json.mapper().readTree(Samples.json(DATA)));
    }

    @Test
    void rmOfAVolumeInUseFailsAndTheOthersAreRemoved() {
        daemon.on("DELETE", "/v1/volumes/data", RawServer.json(409,
                        Samples.error("volume_in_use", "volume data is used by web, db")))
                .on("DELETE", "/v1/volumes/spare", RawServer.json(200, Samples.json(SPARE)));

        Cli.Result result = cli("volume", "rm", "data", "spare");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("removed spare\n");
        assertThat(result.err()).isEqualTo("vulcan: data: volume data is used by web, db (volume_in_use)\n");
    }

    private Cli.Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--socket", daemon.socket().toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }
}
