package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.RawServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LsCommandTest {

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    private void pages() {
        daemon.on("GET", "/v1/workloads", (request, connection) -> {
            String body = request.target().contains("cursor=c2")
                    ? Samples.list(null, Samples.RUNNING)
                    : Samples.list("c2", Samples.COMPLETED, Samples.FAILED);
            RawServer.json(200, body).answer(request, connection);
        });
    }

    @Test
    void printsOnePageAsATable() {
        pages();

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "ls");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("""
                ID                           STATUS      ISOLATION   RUNTIME   DURATION   CREATED
                01JX0000000000000000000001   completed   container   node      1.23s      5m ago
                01JX0000000000000000000002   failed      isolate     node      40ms       2h ago
                """);
        assertThat(daemon.requests()).hasSize(1);
        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/workloads");
    }

    @Test
    void allFollowsTheCursorToTheLastPage() {
        pages();

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "ls", "--all", "--limit", "2");

        assertThat(result.out().lines()).hasSize(4);
        assertThat(result.out().lines().toList().getLast()).startsWith("01JX0000000000000000000003   running     gvisor      python    -          2s ago");
        assertThat(daemon.requests()).extracting(r -> r.target())
                .containsExactly("/v1/workloads?limit=2", "/v1/workloads?limit=2&cursor=c2");
    }

    @Test
    void passesTheFiltersAsQueryParameters() {
        pages();

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "ls", "--status", "failed",
                "--isolation", "micro vm&x");

        assertThat(result.exit()).isZero();
        assertThat(daemon.requests().getFirst().target())
                .isEqualTo("/v1/workloads?status=failed&isolation=micro%20vm%26x");
    }

    @Test
    void jsonPrintsThePageAsTheApiSentIt() {
        pages();

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "-o", "json", "ls");

        assertThat(Json.mapper().readTree(result.out()))
                .isEqualTo(Json.mapper().readTree(Samples.list("c2", Samples.COMPLETED, Samples.FAILED)));
    }

    @Test
    void jsonWithAllPrintsEveryItemInOneList() {
        pages();

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "ls", "--all", "-o", "json");

        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree(
                "{\"items\":[" + Samples.COMPLETED + "," + Samples.FAILED + "," + Samples.RUNNING
                        + "],\"next_cursor\":null}"));
    }

    @Test
    void anEmptyListIsJustTheHeader() {
        daemon.on("GET", "/v1/workloads", RawServer.json(200, "{\"items\":[]}"));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "ls");

        assertThat(result.out()).isEqualTo("ID   STATUS   ISOLATION   RUNTIME   DURATION   CREATED\n");
    }
}
